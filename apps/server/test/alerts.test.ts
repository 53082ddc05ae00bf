import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { openSealed } from "../src/db/encryption";
import { FAILING_MAIL_EVERY_MS, runAlerts } from "../src/jobs/alerts";
import type { MailMessage } from "../src/mail/transport";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "./support/databases";
import { openTestServers, TEST_AUTH_SECRET } from "./support/http";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PUBLIC_URL = "https://genie.example.com";
const LEAD = { email: "zed.leadperson@leads.example.com", name: "Zed Leadperson" };

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`endpoint alert mails on ${mode}`, () => {
    let db: Database;

    beforeAll(async () => {
      db = await openTestDatabase(mode);
    });
    afterAll(async () => {
      await db?.close();
    });

    /** An owner, an endpoint created at `start`, and one delivery of a lead to attach attempts to. */
    async function seed(start: number, name = "Acme CRM") {
      const user = await db.prisma.user.create({
        data: { name: "Owner", email: `owner-${randomUUID()}@example.com` },
      });
      const endpoint = await db.prisma.webhookEndpoint.create({
        data: {
          userId: user.id,
          name,
          url: "https://crm.example.com/hook?key=sekret",
          secret: "whsec_c2VlZGVkLXNlY3JldC1vbmUtMTIzNDU2Nzg5MA==",
          createdAt: new Date(start),
        },
      });
      const project = await db.prisma.funnelProject.create({ data: { userId: user.id, name: "Launch" } });
      const contact = await db.prisma.contact.create({
        data: { userId: user.id, funnelProjectId: project.id, ...LEAD },
      });
      const delivery = await db.prisma.webhookDelivery.create({
        data: {
          userId: user.id,
          endpointId: endpoint.id,
          contactId: contact.id,
          eventId: `evt_${randomUUID()}`,
          eventType: "registration.submitted",
          body: JSON.stringify({ data: LEAD }),
        },
      });
      let attempt = 0;
      return {
        user,
        endpoint,
        /** Logs one attempt of the delivery at time `at`. */
        attempt: (at: number, success: boolean, status = success ? 200 : 503) =>
          db.prisma.webhookLog.create({
            data: {
              userId: user.id,
              deliveryId: delivery.id,
              endpointId: endpoint.id,
              eventType: "registration.submitted",
              webhookUrl: endpoint.url,
              statusCode: status,
              success,
              errorKind: success ? null : "http",
              errorMessage: success ? null : `receiver answered ${status}`,
              attemptNumber: ++attempt,
              responseExcerpt: `{"echo":"${LEAD.email}"}`,
              createdAt: new Date(at),
            },
          }),
      };
    }

    /** The mails the outbox holds for an account, opened, oldest first; `take` also removes them. */
    async function take(userId: string) {
      const rows = await db.sql.query<{ id: string; kind: string; message: string }>(
        "DELETE FROM mail_outbox WHERE user_id = $1::uuid RETURNING id::text, kind, message, created_at",
        [userId],
      );
      return rows.map((row) => ({
        kind: row.kind,
        ...(JSON.parse(openSealed(row.message, row.id)) as MailMessage),
      }));
    }
    const run = (at: number) => runAlerts(db.sql, db.keys, { publicUrl: PUBLIC_URL, now: new Date(at) });

    test("failing: the first failure after success, then at most one mail per 6 hours with the count; then recovered", async () => {
      const t0 = Date.now() - 48 * HOUR;
      const { user, endpoint, attempt } = await seed(t0);
      await attempt(t0 + MINUTE, true);
      await run(t0 + 2 * MINUTE);
      expect(await take(user.id)).toEqual([]);

      await attempt(t0 + 3 * MINUTE, false, 503);
      await run(t0 + 4 * MINUTE);
      const [first, ...none] = await take(user.id);
      expect(none).toEqual([]);
      expect(first?.kind).toBe("alert_failing");
      expect(first?.subject).toBe('Genie cannot deliver to "Acme CRM"');
      expect(first?.text).toContain("1 delivery attempt to");
      expect(first?.text).toContain("Last error: receiver answered 503");
      expect(first?.text).toContain(`${PUBLIC_URL}/endpoints/${endpoint.id}`);
      expect(first?.text).toContain(`${PUBLIC_URL}/deliveries?endpointId=${endpoint.id}`);
      expect(first?.headers?.["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
      expect(first?.headers?.["List-Unsubscribe"]).toMatch(
        /^<https:\/\/genie\.example\.com\/api\/mail\/unsubscribe\?token=/,
      );

      // Still failing within 6 hours of that mail: quiet.
      await attempt(t0 + 5 * MINUTE, false, 500);
      await attempt(t0 + 10 * MINUTE, false, 502);
      await run(t0 + 11 * MINUTE);
      await attempt(t0 + 3 * HOUR, false, 504);
      await run(t0 + 4 * MINUTE + FAILING_MAIL_EVERY_MS - 1);
      expect(await take(user.id)).toEqual([]);

      await run(t0 + 4 * MINUTE + FAILING_MAIL_EVERY_MS);
      const [reminder] = await take(user.id);
      expect(reminder?.kind).toBe("alert_failing");
      expect(reminder?.text).toContain("3 delivery attempts to");
      expect(reminder?.text).toContain("Last error: receiver answered 504");
      await run(t0 + 4 * MINUTE + FAILING_MAIL_EVERY_MS + MINUTE);
      expect(await take(user.id)).toEqual([]);

      await attempt(t0 + 7 * HOUR, true);
      await run(t0 + 7 * HOUR + MINUTE);
      const [recovered] = await take(user.id);
      expect(recovered?.kind).toBe("alert_recovered");
      expect(recovered?.subject).toBe('Genie delivers to "Acme CRM" again');
      await run(t0 + 7 * HOUR + 2 * MINUTE);
      expect(await take(user.id)).toEqual([]);
    });

    test("disabled: one mail with the reason, whatever the failing state; none twice", async () => {
      const t0 = Date.now() - 10 * HOUR;
      const { user, endpoint, attempt } = await seed(t0, "");
      await attempt(t0 + MINUTE, false, 410);
      await run(t0 + 2 * MINUTE);
      expect((await take(user.id)).map((m) => m.kind)).toEqual(["alert_failing"]);
      await db.prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: {
          enabled: false,
          disabledAt: new Date(t0 + MINUTE),
          disabledReason: "The receiver answered 410 Gone.",
        },
      });
      await run(t0 + 3 * MINUTE);
      const [disabled, ...none] = await take(user.id);
      expect(none).toEqual([]);
      expect(disabled?.kind).toBe("alert_disabled");
      // An endpoint without a name is named by its host, never by its URL (which may hold a key).
      expect(disabled?.subject).toBe("Genie stopped delivering to crm.example.com");
      expect(disabled?.text).toContain("Why: The receiver answered 410 Gone.");
      expect(disabled?.text).not.toContain("sekret");
      await run(t0 + 4 * MINUTE);
      expect(await take(user.id)).toEqual([]);
    });

    test("a kind turned off sends no mail of that kind; the others still come", async () => {
      const t0 = Date.now() - 10 * HOUR;
      const { user, attempt } = await seed(t0);
      await db.prisma.user.update({ where: { id: user.id }, data: { alertFailing: false } });
      await attempt(t0 + MINUTE, false);
      await run(t0 + 2 * MINUTE);
      expect(await take(user.id)).toEqual([]);
      await attempt(t0 + 3 * MINUTE, true);
      await run(t0 + 4 * MINUTE);
      expect((await take(user.id)).map((m) => m.kind)).toEqual(["alert_recovered"]);
    });

    test("two processes running the job at once send each alert once", async () => {
      const t0 = Date.now() - 10 * HOUR;
      const { user, attempt } = await seed(t0);
      await attempt(t0 + MINUTE, false);
      await Promise.all([run(t0 + 2 * MINUTE), run(t0 + 2 * MINUTE), run(t0 + 2 * MINUTE)]);
      expect((await take(user.id)).map((m) => m.kind)).toEqual(["alert_failing"]);
    });

    test("no alert mail carries contact data, and every alert row is sealed at rest", async () => {
      const t0 = Date.now() - 10 * HOUR;
      const { user, endpoint, attempt } = await seed(t0);
      await attempt(t0 + MINUTE, false);
      await run(t0 + 2 * MINUTE);
      await attempt(t0 + 3 * MINUTE, true);
      await run(t0 + 4 * MINUTE);
      await db.prisma.webhookEndpoint.update({
        where: { id: endpoint.id },
        data: { enabled: false, disabledAt: new Date(t0 + 5 * MINUTE), disabledReason: "Gone." },
      });
      await run(t0 + 6 * MINUTE);
      const stored = await db.sql.query<{ message: string }>(
        "SELECT message FROM mail_outbox WHERE user_id = $1::uuid",
        [user.id],
      );
      expect(stored.every((row) => row.message.startsWith("enc:v1:"))).toBe(true);
      const mails = await take(user.id);
      expect(mails.map((m) => m.kind).sort()).toEqual(["alert_disabled", "alert_failing", "alert_recovered"]);
      for (const mail of mails) {
        const all = JSON.stringify(mail).toLowerCase();
        expect(all).not.toContain(LEAD.email);
        expect(all).not.toContain("zed");
        expect(all).not.toContain("leadperson");
      }
    });
  });
}

describe.skipIf(!isModeAvailable("pglite"))("one-click unsubscribe", () => {
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

  async function alertLink() {
    const t0 = Date.now() - HOUR;
    const user = await db.prisma.user.create({ data: { name: "O", email: `o-${randomUUID()}@example.com` } });
    const endpoint = await db.prisma.webhookEndpoint.create({
      data: {
        userId: user.id,
        name: "CRM",
        url: "https://crm.example.com/",
        secret: "whsec_x",
        createdAt: new Date(t0),
      },
    });
    await db.prisma.webhookEndpoint.update({
      where: { id: endpoint.id },
      data: { enabled: false, disabledAt: new Date(t0 + MINUTE), disabledReason: "Gone." },
    });
    await runAlerts(db.sql, db.keys, { publicUrl: url, now: new Date() });
    const [row] = await db.sql.query<{ id: string; message: string }>(
      "DELETE FROM mail_outbox WHERE user_id = $1::uuid RETURNING id::text, message",
      [user.id],
    );
    const mail = JSON.parse(openSealed(row?.message ?? "", row?.id ?? "")) as MailMessage;
    const link = /^<(.+)>$/.exec(mail.headers?.["List-Unsubscribe"] ?? "")?.[1] ?? "";
    return { userId: user.id, link };
  }
  const switches = (userId: string) =>
    db.prisma.user.findUniqueOrThrow({
      where: { id: userId },
      select: { alertDisabled: true, alertFailing: true, alertRecovered: true },
    });

  test("GET shows a confirmation page and changes nothing", async () => {
    const { userId, link } = await alertLink();
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).toContain("Stop these alert mails?");
    expect(html).toContain('<form method="post"');
    expect(await switches(userId)).toEqual({ alertDisabled: true, alertFailing: true, alertRecovered: true });
  });

  test("the one-click POST (form-encoded, no cookie) turns that kind off, and only that kind", async () => {
    const { userId, link } = await alertLink();
    const response = await fetch(link, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Alerts turned off");
    expect(await switches(userId)).toEqual({
      alertDisabled: false,
      alertFailing: true,
      alertRecovered: true,
    });
  });

  test("a token that was altered or names another kind is refused and changes nothing", async () => {
    const { userId, link } = await alertLink();
    const token = new URL(link).searchParams.get("token") ?? "";
    const [id, , signature] = token.split(".");
    for (const bad of [
      `${id}.failing.${signature}`,
      `${token}x`,
      "",
      "a.b.c",
      `${randomUUID()}.disabled.${signature}`,
    ]) {
      const response = await fetch(`${url}/api/mail/unsubscribe?token=${encodeURIComponent(bad)}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "List-Unsubscribe=One-Click",
      });
      expect(response.status, bad).toBe(400);
    }
    expect(await switches(userId)).toEqual({ alertDisabled: true, alertFailing: true, alertRecovered: true });
  });
});
