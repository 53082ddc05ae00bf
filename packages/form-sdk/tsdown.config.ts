import { defineConfig, type UserConfig } from "tsdown";

/** The two <script> files funnel pages load from Genie's /sdk/: minified, one IIFE each, no exports. */
const script = (name: string, entry: string): UserConfig => ({
  entry: { [name]: entry },
  format: "iife",
  platform: "browser",
  target: "es2022",
  outDir: "dist/browser",
  minify: true,
  dts: false,
  clean: false,
  outputOptions: { entryFileNames: "[name].js" },
});

export default defineConfig([
  // The ESM build for bundlers, with self-contained types (the limits it uses are inlined).
  {
    entry: ["src/index.ts"],
    format: "esm",
    platform: "browser",
    target: "es2022",
    dts: true,
    clean: true,
  },
  script("genie-form", "src/browser.ts"),
  {
    ...script("genie-form-render", "src/render.ts"),
    copy: [{ from: "src/genie-form.css", to: "dist/browser" }],
  },
]);
