import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { authSecretOf } from "../src/auth/secret";

describe("the session secret", () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), "genie-secret-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const embedded = { authSecret: null, database: { kind: "pglite" as const, dataDir } };

  test("on the embedded database: generated once, kept readable by its owner only, the same on every start", () => {
    const first = authSecretOf(embedded);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path.join(dataDir, "auth-secret")).mode & 0o777).toBe(0o600);
    expect(authSecretOf(embedded)).toBe(first);
  });

  test("BETTER_AUTH_SECRET wins over the kept one", () => {
    const configured = "a-configured-secret-of-at-least-32-characters";
    expect(authSecretOf({ ...embedded, authSecret: configured })).toBe(configured);
  });
});
