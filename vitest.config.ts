import { defineConfig } from "vitest/config";

// One runner for the whole workspace: each package is a project, `pnpm test` runs them all.
export default defineConfig({
  test: {
    projects: ["packages/*", "apps/server"],
  },
});
