import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "form-sdk",
    include: ["src/**/*.test.ts"],
    // A browser's DOM (forms, localStorage, events); files that need none say `@vitest-environment node`.
    environment: "happy-dom",
  },
});
