import { fieldErrorsOf } from "@genie/schemas";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ZodError } from "zod";
import type { Database } from "../../src/db";
import { type ApiCaller, createApiHarness, createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";

/** The field errors of a refused call, as the dashboard receives them. */
async function refusal(call: Promise<unknown>): Promise<Record<string, string[]>> {
  const error = await call.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code).toBe("BAD_REQUEST");
  const cause = (error as TRPCError).cause;
  expect(cause).toBeInstanceOf(ZodError);
  return fieldErrorsOf(cause as ZodError).fieldErrors;
}

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`endpoint input on ${mode}`, () => {
    let db: Database;
    let harness: ReturnType<typeof createApiHarness>;
    let alice: ApiCaller;
    let aliceId: string;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
      harness = createApiHarness(db);
      aliceId = await createOwner(db.prisma, "Alice");
      alice = harness.as(aliceId);
    });
    afterAll(async () => {
      await harness?.close();
      await db?.close();
    });

    test.each([
      "Connection",
      "Keep-Alive",
      "Proxy-Authorization",
      "Proxy-Connection",
      "TE",
      "Trailer",
      "Transfer-Encoding",
      "Upgrade",
      "Expect",
    ])("a custom header named %s is refused at save, saying why, and nothing is stored", async (name) => {
      const errors = await refusal(
        alice.endpoints.create({ url: "https://crm.example.com/hook", customHeaders: { [name]: "x" } }),
      );
      expect(errors).toEqual({
        [`customHeaders.${name}`]: [
          "is about the connection, not the request (hop-by-hop): HTTP sets it itself",
        ],
      });
      expect(await db.prisma.webhookEndpoint.count({ where: { userId: aliceId } })).toBe(0);
    });

    test("hop-by-hop headers are refused by update and by an unsaved test send too", async () => {
      const { endpoint } = await alice.endpoints.create({ url: "https://crm.example.com/hook" });
      const errors = await refusal(
        alice.endpoints.update({ id: endpoint.id, customHeaders: { Upgrade: "h2c" } }),
      );
      expect(Object.keys(errors)).toEqual(["customHeaders.Upgrade"]);
      await expect(
        alice.webhooks.sendTest({
          url: "https://crm.example.com/hook",
          customHeaders: { Expect: "100-continue" },
        }),
      ).rejects.toMatchObject({ code: "BAD_REQUEST" });
      const stored = await db.prisma.webhookEndpoint.findUniqueOrThrow({ where: { id: endpoint.id } });
      expect(stored.customHeaders).toEqual({});
      await alice.endpoints.delete({ id: endpoint.id });
    });

    test.each([
      ["http:///hook", "must be written as http(s)://host/path, with the host right after the two slashes"],
      ["https://\\crm.example.com/hook", "must not contain backslashes (use / in paths)"],
      [
        "https://crm.example.com/my hook",
        "must not contain spaces or control characters (percent-encode them)",
      ],
      [
        " https://crm.example.com/hook",
        "must not contain spaces or control characters (percent-encode them)",
      ],
      ["http://1.2.3/hook", "must write an IPv4 address as four decimal numbers (1.2.0.3)"],
    ])("the URL %o, which the parser would repair, is refused: %s", async (url, message) => {
      expect(await refusal(alice.endpoints.create({ url }))).toEqual({ url: [message] });
      expect(await db.prisma.webhookEndpoint.count({ where: { url: { contains: "hook" } } })).toBe(0);
    });

    test("URLs written out in full are kept exactly as typed", async () => {
      for (const url of ["HTTPS://CRM.example.com/Hook?x=1", "https://hooks.zapier.com/hooks/catch/1/abc/"]) {
        const { endpoint } = await alice.endpoints.create({ url });
        expect(endpoint.url).toBe(url);
        await alice.endpoints.delete({ id: endpoint.id });
      }
    });
  });
}
