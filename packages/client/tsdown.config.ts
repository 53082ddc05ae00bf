import { defineConfig } from "tsdown";

export default defineConfig({
  entry: { index: "src/index.ts" },
  format: ["esm", "cjs"],
  dts: true,
  // Web APIs only (fetch): the same build runs on Node 20+, Bun, Deno and edge runtimes.
  platform: "neutral",
});
