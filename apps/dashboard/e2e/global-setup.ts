import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const DASHBOARD = fileURLToPath(new URL("..", import.meta.url));
const VITE_CLI = fileURLToPath(new URL("../node_modules/vite/bin/vite.js", import.meta.url));

/**
 * Builds the dashboard the server will serve, so the tests run against what `pnpm start` ships.
 * GENIE_E2E_SKIP_BUILD=1 skips it when a build was just made.
 */
export default function globalSetup() {
  if (process.env.GENIE_E2E_SKIP_BUILD === "1") return;
  execFileSync(process.execPath, [VITE_CLI, "build", "--logLevel", "warn"], {
    cwd: DASHBOARD,
    stdio: "inherit",
  });
}
