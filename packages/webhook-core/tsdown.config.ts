import { defineConfig } from "tsdown";

export default defineConfig({
  // Three entries: the Node library, the Web Crypto verifier for edge runtimes (no Node built-ins), and
  // the retry presets as plain data (no import at all) for browser bundles.
  entry: { index: "src/index.ts", web: "src/web.ts", "retry-presets": "src/retry-presets.ts" },
  format: ["esm", "cjs"],
  dts: true,
  platform: "node",
});
