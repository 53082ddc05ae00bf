import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "form-sdk", include: ["src/**/*.test.ts"] },
});
