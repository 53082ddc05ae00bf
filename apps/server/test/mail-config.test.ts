import { describe, expect, test } from "vitest";
import { ConfigError, loadConfig } from "../src/config";

const POSTGRES = {
  DATABASE_URL: "postgres://genie@db.internal/genie",
  BETTER_AUTH_SECRET: "a-session-secret-of-at-least-32-characters",
  GENIE_ENCRYPTION_KEY: "dGVzdC1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU=",
};

describe("mail settings", () => {
  test("SMTP with credentials: mail is sent, and verification is required unless turned off", () => {
    const smtp = "smtps://genie:p%40ss@mail.example.com:465";
    expect(
      loadConfig({ GENIE_SMTP_URL: smtp, GENIE_MAIL_FROM: "Genie <genie@example.com>" }, []).mail,
    ).toEqual({
      mode: "smtp",
      smtpUrl: smtp,
      from: "Genie <genie@example.com>",
      requireEmailVerification: true,
      alertsIntervalMs: 60_000,
    });
    expect(
      loadConfig({ ...POSTGRES, GENIE_SMTP_URL: smtp, GENIE_REQUIRE_EMAIL_VERIFICATION: "false" }, []).mail,
    ).toMatchObject({ mode: "smtp", requireEmailVerification: false });
  });

  test("the sender defaults to the public URL's domain", () => {
    const config = loadConfig(
      { GENIE_SMTP_URL: "smtp://mail.example.com:587", GENIE_PUBLIC_URL: "https://genie.example.com" },
      [],
    );
    expect(config.mail).toMatchObject({ from: "Genie <genie@genie.example.com>" });
  });

  test("PostgreSQL without SMTP: mail is off, and requiring verification is refused", () => {
    expect(loadConfig(POSTGRES, []).mail).toEqual({
      mode: "off",
      requireEmailVerification: false,
      alertsIntervalMs: 60_000,
    });
    expect(() => loadConfig({ ...POSTGRES, GENIE_REQUIRE_EMAIL_VERIFICATION: "true" }, [])).toThrow(
      /GENIE_REQUIRE_EMAIL_VERIFICATION=true needs GENIE_SMTP_URL/,
    );
  });

  test("a bad SMTP URL or sender stops the start with the variable named, never the URL's password", () => {
    for (const [name, value, words] of [
      ["GENIE_SMTP_URL", "http://user:hunter2@mail.example.com", /smtp:\/\/ or smtps:\/\//],
      [
        "GENIE_MAIL_FROM",
        "Genie <genie@example.com>\r\nBcc: all@example.com",
        /an address or "Name <address>"/,
      ],
      ["GENIE_MAIL_FROM", "not an address", /an address/],
      ["GENIE_REQUIRE_EMAIL_VERIFICATION", "yes", /true or false/],
    ] as const) {
      let error: unknown;
      try {
        loadConfig({ [name]: value }, []);
      } catch (caught) {
        error = caught;
      }
      expect(error, value).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(new RegExp(`^invalid configuration: ${name}=`));
      expect((error as Error).message).toMatch(words);
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
