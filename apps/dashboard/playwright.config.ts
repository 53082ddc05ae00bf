import { defineConfig } from "@playwright/test";

/**
 * Browser tests of the dashboard against a real server (e2e/fixtures.ts). Debian's Chromium, never a
 * downloaded browser; the flags keep it off the network (the machines have none besides loopback).
 */
export default defineConfig({
  testDir: "e2e",
  globalSetup: "./e2e/global-setup.ts",
  // One server per worker on its own fresh database; the flows inside a file depend on each other.
  workers: 1,
  fullyParallel: false,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  reporter: [
    ["list"],
    // .ci/run adds these counts to vitest's in its closing line (scripts/test-summary.mjs).
    ["json", { outputFile: process.env.GENIE_E2E_JSON ?? "test-results/e2e.json" }],
  ],
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
});
