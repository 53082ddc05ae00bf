import { config } from "zod";

// zod 4 compiles object parsers with `new Function` unless told not to; under the server's CSP (no
// 'unsafe-eval') its probe for that is a blocked-eval violation on every page that loads zod. The
// entry (main.tsx) imports this first: a lazy chunk that builds schemas may run before any module of
// its own, so configuring zod there would come too late. Only zod's small config module comes with it.
config({ jitless: true });
