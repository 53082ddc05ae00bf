import { defineConfig } from "tsdown";

/**
 * The server as plain JavaScript for `node` (`pnpm start` runs dist/main.mjs): no TypeScript compiler
 * in the running process. npm dependencies stay in node_modules (external, as tsdown does for
 * `dependencies`); the workspace packages, whose exports point at TypeScript source, are bundled in.
 * dist/ sits one folder under apps/server like src/, so paths resolved from `import.meta.url`
 * (the dashboard's build) are the same from both; migrations are found by walking up (db/migrate.ts).
 */
export default defineConfig({
  entry: { main: "src/main.ts", reencrypt: "src/reencrypt.ts" },
  format: ["esm"],
  platform: "node",
  target: "node20",
  outDir: "dist",
  dts: false,
  deps: {
    alwaysBundle: [/^@genie\//],
    // What the bundled workspace packages need that the server does not list itself; anything else
    // pulled in by accident fails the build.
    onlyBundle: ["ipaddr.js"],
  },
});
