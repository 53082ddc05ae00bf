import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "server",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // These tests open real databases (PGlite applies every migration in WASM) and real processes:
    // seconds on a quiet machine, several times that on a busy CI host. A hang still fails.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
