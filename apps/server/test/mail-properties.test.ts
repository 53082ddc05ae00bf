import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { KeyRing } from "../src/db/encryption";
import { endpointDisabledMail, endpointFailingMail, escapeHtml } from "../src/mail/messages";
import { readUnsubscribeToken, unsubscribeToken } from "../src/mail/unsubscribe";
import { TEST_ENCRYPTION_KEY } from "./support/databases";
import { openTestServers, TEST_AUTH_SECRET } from "./support/http";

const keys = new KeyRing(TEST_ENCRYPTION_KEY);
const LINKS = {
  endpoint: "https://genie.example.com/endpoints/1",
  log: "https://genie.example.com/deliveries?endpointId=1&x=<y>",
  unsubscribe: "https://genie.example.com/api/mail/unsubscribe?token=a.b.c",
};
/** Our own tags only: once they are taken out, no `<` may be left (it would be the input's markup). */
const OWN_TAGS = /<\/?(?:!doctype html|html|body|p|a)(?: [^<>]*)?>/gi;

describe("hostile input in account mail", () => {
  test("any string is either a token Genie signed or refused, never an error", () => {
    const userId = randomUUID();
    const genuine = unsubscribeToken(keys, userId, "failing");
    expect(readUnsubscribeToken(keys, genuine)).toEqual({ userId, kind: "failing" });
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), (text) => {
        expect(readUnsubscribeToken(keys, text)).toBeNull();
        if (text !== "") expect(readUnsubscribeToken(keys, `${genuine}${text}`)).toBeNull();
      }),
    );
    fc.assert(
      fc.property(
        fc.uuid(),
        fc.constantFrom("disabled", "failing", "recovered"),
        fc.base64String(),
        (id, kind, sig) => {
          expect(readUnsubscribeToken(keys, `${id}.${kind}.${sig}`)).toBeNull();
        },
      ),
    );
  });

  test("endpoint names and errors of any text are escaped in the HTML part and kept whole in the text", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 80 }),
        fc.string({ maxLength: 120 }),
        (name, error) => {
          const mails = [
            endpointDisabledMail({ label: name, reason: error }, LINKS),
            endpointFailingMail(
              { label: name },
              { count: 2, since: "2026-12-01 10:00 UTC", lastError: error },
              LINKS,
            ),
          ];
          for (const mail of mails) {
            expect(mail.html.replace(OWN_TAGS, "")).not.toContain("<");
            expect(mail.html).toContain(escapeHtml(name));
            expect(mail.text).toContain(name);
          }
        },
      ),
    );
  });
});

describe("the unsubscribe route under hostile tokens", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  let db: Database;
  let url: string;

  beforeAll(async () => {
    servers = await openTestServers("pglite");
    db = servers.db;
    url = await servers.start({ api: { auth: { secret: TEST_AUTH_SECRET } } });
  });
  afterAll(async () => {
    await servers?.close();
  });

  test("answers 400 with a page, never 500, and changes no account", async () => {
    const user = await db.prisma.user.create({ data: { name: "O", email: `o-${randomUUID()}@example.com` } });
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 200 }), fc.boolean(), async (token, post) => {
        const response = await fetch(`${url}/api/mail/unsubscribe?token=${encodeURIComponent(token)}`, {
          method: post ? "POST" : "GET",
          ...(post && {
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: "List-Unsubscribe=One-Click",
          }),
        });
        expect(response.status).toBe(400);
        expect(await response.text()).toContain("This link does not work");
      }),
      { numRuns: 60 },
    );
    expect(
      await db.prisma.user.findUniqueOrThrow({
        where: { id: user.id },
        select: { alertDisabled: true, alertFailing: true, alertRecovered: true },
      }),
    ).toEqual({ alertDisabled: true, alertFailing: true, alertRecovered: true });
  });
});
