import { Agent, fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../../src/db";
import { createMailer, createOutbox } from "../../src/mail/outbox";
import { createMailTransport } from "../../src/mail/transport";
import { buildServer } from "../../src/server";
import { DATABASE_MODES, isModeAvailable, openTestDatabase } from "../support/databases";
import { cookieOf, httpClient, PASSWORD, TEST_AUTH_SECRET } from "../support/http";
import { type CapturedMail, startSmtpCapture } from "../support/smtp";

const NEW_PASSWORD = "violet harbour lantern 42";

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(
    `password reset, verification and sign-up safety on ${mode}`,
    () => {
      let db: Database;
      let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
      let mailer: ReturnType<typeof createMailer>;
      let app: Awaited<ReturnType<typeof buildServer>>;
      let url: string;
      let client: ReturnType<typeof httpClient>;

      beforeAll(async () => {
        db = await openTestDatabase(mode);
        smtp = await startSmtpCapture();
        const transport = createMailTransport({
          mode: "smtp",
          smtpUrl: smtp.url,
          from: "Genie <genie@example.com>",
        });
        if (!transport) throw new Error("mail is on");
        mailer = createMailer(db.sql, transport, { log: () => {} });
        const outbox = createOutbox(db.sql, db.keys, () => mailer.wake());
        app = await buildServer({
          db,
          api: {
            auth: { secret: TEST_AUTH_SECRET, loginAttemptsPerMinute: 100 },
            mail: { outbox, mode: "smtp", requireEmailVerification: true },
          },
        });
        url = await app.listen({ port: 0, host: "127.0.0.1" });
        client = httpClient(url);
      });
      afterAll(async () => {
        await app?.close();
        await mailer?.stop();
        await smtp?.close();
        await db?.close();
      });

      /** The next mail to `to` (waits for it; the test's timeout bounds the wait). */
      const mailTo = async (to: string, after: number): Promise<CapturedMail> => {
        for (;;) {
          const found = smtp.received.slice(after).find((mail) => mail.to === to);
          if (found) return found;
          await smtp.waitFor(smtp.received.length + 1);
        }
      };
      const signUp = (email: string, password = PASSWORD) =>
        client.post("/api/auth/sign-up/email", { name: "Owner", email, password });
      /** A signed-up account whose address is verified (by its mail's link), and its session cookie. */
      const verifiedAccount = async (email: string) => {
        const mark = smtp.received.length;
        expect((await signUp(email)).status).toBe(200);
        const mail = await mailTo(email, mark);
        const link = mail.links[0] ?? "";
        const verified = await fetch(link, { redirect: "manual" });
        expect(verified.status).toBe(302);
        return cookieOf(verified);
      };

      test("sign-up mails a verification link; sign-in is refused until it is clicked, which signs in", async () => {
        const mark = smtp.received.length;
        const response = await signUp("new@example.com");
        expect(response.status).toBe(200);
        expect(response.headers.getSetCookie()).toEqual([]);
        const mail = await mailTo("new@example.com", mark);
        expect(mail.subject).toBe("Confirm your email address for Genie");
        expect(mail.links).toHaveLength(1);
        const link = new URL(mail.links[0] ?? "");
        expect(link.origin).toBe(url);
        expect(link.pathname).toBe("/api/auth/verify-email");
        expect(mail.html).toContain(`href="${link.toString().replace(/&/g, "&#38;")}"`);

        expect((await client.signIn("new@example.com", PASSWORD)).status).toBe(403);
        const verified = await fetch(link, { redirect: "manual" });
        expect(verified.status).toBe(302);
        expect(verified.headers.get("location")).toBe("/account");
        const me = await client.query("account.me", cookieOf(verified));
        expect(me.status).toBe(200);
        expect((await client.signIn("new@example.com", PASSWORD)).status).toBe(200);
      });

      test("sign-up for a known address answers like a new one, creates nothing, and mails the owner", async () => {
        await verifiedAccount("known@example.com");
        const mark = smtp.received.length;
        const fresh = await signUp("fresh@example.com");
        const again = await signUp("known@example.com", "another long password");
        expect(again.status).toBe(fresh.status);
        const shape = (body: { token: unknown; user: Record<string, unknown> }) => ({
          token: body.token,
          userKeys: Object.keys(body.user).sort(),
        });
        type SignUpAnswer = { token: unknown; user: Record<string, unknown> };
        expect(shape((await again.json()) as SignUpAnswer)).toEqual(
          shape((await fresh.json()) as SignUpAnswer),
        );
        expect(await db.prisma.user.count({ where: { email: "known@example.com" } })).toBe(1);
        const warning = await mailTo("known@example.com", mark);
        expect(warning.subject).toBe("Someone tried to create a Genie account with your address");
        expect(warning.links).toEqual([`${url}/sign-in`, `${url}/forgot-password`]);
        // The old password still works: nothing about the account changed.
        expect((await client.signIn("known@example.com", PASSWORD)).status).toBe(200);
      });

      test("forgot password: one answer for known and unknown addresses, one link, single use, other sessions end", async () => {
        const otherSession = await verifiedAccount("forgetful@example.com");
        expect((await client.query("account.me", otherSession)).status).toBe(200);
        const mark = smtp.received.length;
        const known = await client.post("/api/auth/request-password-reset", {
          email: "forgetful@example.com",
        });
        const unknown = await client.post("/api/auth/request-password-reset", {
          email: "nobody-here@example.com",
        });
        expect(known.status).toBe(200);
        expect(unknown.status).toBe(200);
        expect(await known.text()).toBe(await unknown.text());

        const mail = await mailTo("forgetful@example.com", mark);
        expect(mail.subject).toBe("Reset your Genie password");
        const link = new URL(mail.links[0] ?? "");
        expect(`${link.origin}${link.pathname}`).toBe(`${url}/reset-password`);
        const token = link.searchParams.get("token") ?? "";
        expect(token).not.toBe("");
        // better-auth keeps the token hashed: the verification table never holds it as sent.
        const stored = await db.sql.query<{ identifier: string }>("SELECT identifier FROM verifications");
        expect(stored.some((row) => row.identifier.includes(token))).toBe(false);

        const reset = await client.post("/api/auth/reset-password", { token, newPassword: NEW_PASSWORD });
        expect(reset.status).toBe(200);
        expect((await client.signIn("forgetful@example.com", PASSWORD)).status).toBe(401);
        expect((await client.signIn("forgetful@example.com", NEW_PASSWORD)).status).toBe(200);
        expect((await client.query("account.me", otherSession)).status).toBe(401);
        const reuse = await client.post("/api/auth/reset-password", {
          token,
          newPassword: "a different one 77",
        });
        expect(reuse.status).toBe(400);
        // No mail went to the unknown address.
        expect(smtp.received.slice(mark).map((m) => m.to)).not.toContain("nobody-here@example.com");
      });

      test("reset requests are limited per address, whatever the client address", async () => {
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) {
          // Each request from another loopback address: the per-client limit does not apply.
          const dispatcher = new Agent({ connect: { localAddress: `127.0.0.${20 + i}` } });
          const response = await undiciFetch(`${url}/api/auth/request-password-reset`, {
            method: "POST",
            headers: { "content-type": "application/json", origin: url },
            body: JSON.stringify({ email: "limited@example.com" }),
            dispatcher,
          });
          statuses.push(response.status);
          await dispatcher.close();
        }
        expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      });

      test("common passwords and the email itself are refused at sign-up, reset and change, with the reason", async () => {
        for (const password of ["12345678", "Password1", "        ", "owner.common@example.com"]) {
          const response = await signUp("owner.common@example.com", password);
          expect(response.status, password).toBe(400);
          const body = (await response.json()) as { fieldErrors: { password: string[] } };
          expect(body.fieldErrors.password[0], password).toMatch(/common passwords|email address|spaces/);
        }
        expect(await db.prisma.user.count({ where: { email: "owner.common@example.com" } })).toBe(0);

        const cookie = await verifiedAccount("owner.common@example.com");
        const change = await client.post(
          "/api/auth/change-password",
          { currentPassword: PASSWORD, newPassword: "OWNER.COMMON@example.com" },
          { cookie },
        );
        expect(change.status).toBe(400);
        expect(
          ((await change.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.newPassword,
        ).toEqual(["must not be your email address"]);

        const mark = smtp.received.length;
        await client.post("/api/auth/request-password-reset", { email: "owner.common@example.com" });
        const token = new URL(
          (await mailTo("owner.common@example.com", mark)).links[0] ?? "",
        ).searchParams.get("token");
        for (const newPassword of ["iloveyou", "owner.common@example.com"]) {
          const reset = await client.post("/api/auth/reset-password", { token, newPassword });
          expect(reset.status, newPassword).toBe(400);
          expect(
            ((await reset.json()) as { fieldErrors: Record<string, string[]> }).fieldErrors.newPassword,
          ).toHaveLength(1);
        }
        // Refused, the token still works for a good password.
        expect(
          (await client.post("/api/auth/reset-password", { token, newPassword: NEW_PASSWORD })).status,
        ).toBe(200);
      });

      test("changing the address checks the password, then mails a link to the new address", async () => {
        const cookie = await verifiedAccount("mover@example.com");
        const wrong = await client.mutation(
          "account.changeEmail",
          { password: "not it at all", newEmail: "moved@example.com" },
          cookie,
        );
        expect(wrong.status).toBe(400);
        expect(((await wrong.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
          "wrong_password",
        );

        const mark = smtp.received.length;
        const right = await client.mutation(
          "account.changeEmail",
          { password: PASSWORD, newEmail: "moved@example.com" },
          cookie,
        );
        expect(right.status).toBe(200);
        const mail = await mailTo("moved@example.com", mark);
        expect(mail.subject).toBe("Confirm your new email address for Genie");
        expect(await db.prisma.user.count({ where: { email: "mover@example.com" } })).toBe(1);
        const confirmed = await fetch(mail.links[0] ?? "", { redirect: "manual", headers: { cookie } });
        expect(confirmed.status).toBe(302);
        expect(await db.prisma.user.count({ where: { email: "moved@example.com" } })).toBe(1);
      });
    },
  );
}

describe.skipIf(!isModeAvailable("pglite"))("without mail", () => {
  test("reset and change of address say mail is not configured; sign-up signs in at once", async () => {
    const db = await openTestDatabase("pglite");
    const app = await buildServer({ db, api: { auth: { secret: TEST_AUTH_SECRET } } });
    try {
      const url = await app.listen({ port: 0, host: "127.0.0.1" });
      const client = httpClient(url);
      const { cookie } = await client.signUp("solo@example.com");
      expect(cookie).not.toBe("");
      const status = await fetch(`${url}/trpc/account.mailAvailable`);
      expect(((await status.json()) as { result: { data: unknown } }).result.data).toEqual({
        mailEnabled: false,
        writtenToFiles: false,
      });
      const reset = await client.post("/api/auth/request-password-reset", { email: "solo@example.com" });
      expect(reset.status).toBe(400);
      const change = await client.mutation(
        "account.changeEmail",
        { password: PASSWORD, newEmail: "x@example.com" },
        cookie,
      );
      expect(((await change.json()) as { error: { data: { reason: string } } }).error.data.reason).toBe(
        "mail_not_configured",
      );
    } finally {
      await app.close();
      await db.close();
      await db.space.remove();
    }
  });
});
