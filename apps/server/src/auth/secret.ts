import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config";

const SECRET_FILE = "auth-secret";

/**
 * The secret that signs session cookies: BETTER_AUTH_SECRET when set (loadConfig requires it with
 * PostgreSQL). Otherwise, on the embedded database, one generated on first start and kept beside the
 * data (mode 0600), so sessions survive restarts.
 */
export function authSecretOf(config: Pick<Config, "authSecret" | "database">): string {
  if (config.authSecret) return config.authSecret;
  if (config.database.kind !== "pglite")
    throw new Error("loadConfig lets no PostgreSQL setup without a secret");
  const file = path.join(config.database.dataDir, SECRET_FILE);
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(32).toString("base64");
  // wx: if another start raced us here, keep its secret rather than overwrite it.
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw error;
  }
}
