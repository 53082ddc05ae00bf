import { z } from "zod";

// zod 4 compiles object parsers with `new Function` unless told not to; under the server's CSP (no
// 'unsafe-eval') its probe for that is a blocked-eval violation on every page that loads zod. This
// module is imported first wherever the dashboard loads zod (lib/form-schemas.ts).
z.config({ jitless: true });
