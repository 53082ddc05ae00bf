import { defineConfig } from "tsdown";

export default defineConfig({
  // Two entries: the Node library, and the Web Crypto verifier for edge runtimes (no Node built-ins).
  entry: { index: "src/index.ts", web: "src/web.ts" },
  format: ["esm", "cjs"],
  dts: true,
  platform: "node",
});
