import { Writable } from "node:stream";
import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { type AppErrorCode, HTTP_STATUS, INTERNAL_ERROR_MESSAGE } from "../src/errors";
import { buildServer } from "../src/server";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { seedAccount } from "./support/fixtures";

test("each AppError code answers the HTTP status tRPC gives the same code", () => {
  for (const [code, status] of Object.entries(HTTP_STATUS)) {
    expect(getHTTPStatusCodeFromError(new TRPCError({ code: code as AppErrorCode }))).toBe(status);
  }
});

// An unexpected failure (here: tables gone from under the server) is answered with a generic message
// that carries no SQL, table names or file paths, and logged with its cause through the request's logger.
for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`unexpected errors on ${mode}`, () => {
    let db: Database;
    let app: Awaited<ReturnType<typeof buildServer>>;
    let url: string;
    let logged = "";

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      const stream = new Writable({
        write(chunk, _encoding, done) {
          logged += String(chunk);
          done();
        },
      });
      app = await buildServer({
        db,
        logger: { level: "error", stream },
        api: { auth: { secret: "test-secret-test-secret-test-secret!" } },
      });
      url = await app.listen({ port: 0, host: "127.0.0.1" });
    });
    afterAll(async () => {
      await app?.close();
      await db?.close();
    });

    test("a failing procedure answers a generic 500 and logs the real cause with the procedure's name", async () => {
      const signUp = await fetch(`${url}/api/auth/sign-up/email`, {
        method: "POST",
        headers: { "content-type": "application/json", origin: url },
        body: JSON.stringify({
          name: "Owner",
          email: "owner@example.com",
          password: "correct horse battery",
        }),
      });
      expect(signUp.status).toBe(200);
      const cookie = signUp.headers
        .getSetCookie()
        .map((c) => c.split(";")[0])
        .join("; ");
      await db.sql.exec("ALTER TABLE webhook_logs RENAME TO webhook_logs_gone");
      try {
        const response = await fetch(`${url}/trpc/logs.list?input=${encodeURIComponent("{}")}`, {
          headers: { cookie },
        });
        expect(response.status).toBe(500);
        const text = await response.text();
        expect(JSON.parse(text).error.message).toBe(INTERNAL_ERROR_MESSAGE);
        expect(text).not.toMatch(/webhook_logs|\.ts|\/work\/|stack/i);
        expect(logged).toContain("webhook_logs");
        expect(logged).toContain('"procedure":"logs.list"');
      } finally {
        await db.sql.exec("ALTER TABLE webhook_logs_gone RENAME TO webhook_logs");
      }
    });

    test("a failing REST route answers a generic 500 JSON error and logs the real cause", async () => {
      const account = await seedAccount(db.prisma);
      logged = "";
      await db.sql.exec("ALTER TABLE webhook_deliveries RENAME TO webhook_deliveries_gone");
      try {
        const response = await fetch(`${url}/api/contacts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: "visitor@example.com", projectId: account.projectId }),
        });
        expect(response.status).toBe(500);
        const text = await response.text();
        expect(JSON.parse(text)).toEqual({
          statusCode: 500,
          error: "internal_error",
          message: INTERNAL_ERROR_MESSAGE,
        });
        expect(logged).toContain("webhook_deliveries");
        expect(logged).toContain("request failed");
      } finally {
        await db.sql.exec("ALTER TABLE webhook_deliveries_gone RENAME TO webhook_deliveries");
      }
      // Nothing was stored: the contact and its outbox rows are one statement.
      expect(await db.prisma.contact.count({ where: { userId: account.userId } })).toBe(0);
    });
  });
}
