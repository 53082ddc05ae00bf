// Runs the Prisma CLI the way this project needs it on every machine, air-gapped ones included:
// no native engine downloads (the WASM engines over driver adapters do the work, see prisma.config.ts)
// and no telemetry. The preload unrefs the WASM schema engine's long timers, which otherwise keep
// each CLI call alive for ~60 s after its work is done.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");
const preload = fileURLToPath(new URL("./unref-long-timers.cjs", import.meta.url));

const result = spawnSync(process.execPath, [prismaCli, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_QUERY_ENGINE_LIBRARY: "/bin/false",
    PRISMA_SCHEMA_ENGINE_BINARY: "/bin/false",
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${preload}`.trim(),
  },
});
process.exit(result.status ?? 1);
