import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verifyApiKey } from "../../src/auth/api-key";
import { createContextInner } from "../../src/context";
import type { DatabaseMode } from "../../src/db";
import { UNAUTHORIZED_MESSAGE } from "../../src/errors";
import { appRouter } from "../../src/routers/_app";
import { createCallerFactory } from "../../src/trpc";
import { createOwner } from "../support/api";
import { DATABASE_MODES, isModeAvailable } from "../support/databases";
import { httpClient, openTestServers } from "../support/http";

type TrpcAnswer<T> = {
  status: number;
  data?: T;
  error?: { message: string; data: { code: string; reason: string } };
};
type Created = { apiKey: { id: string; prefix: string; scope: string }; key: string };
type Listed = { id: string; name: string; scope: string; prefix: string; lastUsedAt: string | null };

async function answer<T>(response: Response): Promise<TrpcAnswer<T>> {
  const body = (await response.json()) as { result?: { data: T }; error?: TrpcAnswer<T>["error"] };
  return { status: response.status, data: body.result?.data, error: body.error };
}

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`API keys over HTTP on ${mode}`, () => {
    let servers: Awaited<ReturnType<typeof openTestServers>>;
    let url: string;
    let browser: ReturnType<typeof httpClient>;
    let cookie: string;

    /** A call the way a script makes it: no cookie, no Origin, the key in Authorization. */
    const withKey = (
      key: string,
      procedure: string,
      input?: unknown,
      headers: Record<string, string> = {},
    ) =>
      input === undefined
        ? fetch(`${url}/trpc/${procedure}`, { headers: { authorization: `Bearer ${key}`, ...headers } })
        : fetch(`${url}/trpc/${procedure}`, {
            method: "POST",
            headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
            body: JSON.stringify(input),
          });
    const createKey = async (scope: "read" | "write", name = `${scope} key`, as = cookie) => {
      const created = await answer<Created>(await browser.mutation("apiKeys.create", { name, scope }, as));
      expect(created.status).toBe(200);
      return created.data as Created;
    };

    beforeAll(async () => {
      servers = await openTestServers(mode);
      url = await servers.start({ api: { auth: { secret: "test-secret-test-secret-test-secret!" } } });
      browser = httpClient(url);
      ({ cookie } = await browser.signUp("keys@example.com"));
    });
    afterAll(async () => {
      await servers?.close();
    });

    test("a key is created, used, listed with its last use, revoked, then refused like no key", async () => {
      const { apiKey, key } = await createKey("write", "deploy script");
      expect(key).toMatch(/^gk_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
      expect(key.startsWith(apiKey.prefix)).toBe(true);
      // Only the secret's hash is stored.
      const row = await servers.db.prisma.apiKey.findUniqueOrThrow({ where: { id: apiKey.id } });
      expect(JSON.stringify(row)).not.toContain(key.slice(apiKey.prefix.length));

      const before = await answer<Listed[]>(await browser.query("apiKeys.list", cookie));
      expect(before.data?.find((k) => k.id === apiKey.id)?.lastUsedAt).toBeNull();

      const used = await answer<unknown[]>(await withKey(key, "endpoints.list"));
      expect(used).toMatchObject({ status: 200, data: [] });
      const created = await answer<{ name: string }>(
        await withKey(key, "funnels.create", { name: "Via key" }),
      );
      expect(created).toMatchObject({ status: 200, data: { name: "Via key" } });

      const listed = await answer<Listed[]>(await browser.query("apiKeys.list", cookie));
      const entry = listed.data?.find((k) => k.id === apiKey.id);
      expect(entry).toMatchObject({ name: "deploy script", scope: "write", prefix: apiKey.prefix });
      expect(entry?.lastUsedAt).not.toBeNull();
      expect(JSON.stringify(listed)).not.toContain(key);

      expect((await browser.mutation("apiKeys.revoke", { id: apiKey.id }, cookie)).status).toBe(200);
      const revoked = await answer(await withKey(key, "endpoints.list"));
      const unknown = await answer(await withKey(`${apiKey.prefix}${"A".repeat(43)}`, "endpoints.list"));
      const missing = await answer(await fetch(`${url}/trpc/endpoints.list`));
      for (const refused of [revoked, unknown, missing]) {
        expect(refused.status).toBe(401);
        expect(refused.error?.message).toBe(UNAUTHORIZED_MESSAGE);
        expect(refused.error?.data.reason).toBe("unauthorized");
      }
    });

    test("a read key may query but is refused every mutation, and nothing changes", async () => {
      const { key } = await createKey("read");
      expect((await withKey(key, "funnels.list")).status).toBe(200);
      const projects = await servers.db.prisma.funnelProject.count();
      const refused = await answer(await withKey(key, "funnels.create", { name: "Nope" }));
      expect(refused.status).toBe(403);
      expect(refused.error?.data.reason).toBe("api_key_read_only");
      expect(refused.error?.message).toMatch(/only read/);
      expect(await servers.db.prisma.funnelProject.count()).toBe(projects);
    });

    test("account and key procedures refuse every key, even a write key", async () => {
      const { key } = await createKey("write");
      const { apiKey: other } = await createKey("read", "other");
      const calls: [string, unknown][] = [
        ["account.me", undefined],
        ["account.delete", { password: "correct horse battery" }],
        ["apiKeys.list", undefined],
        ["apiKeys.create", { name: "minted by a key", scope: "write" }],
        ["apiKeys.revoke", { id: other.id }],
      ];
      for (const [procedure, input] of calls) {
        const refused = await answer(await withKey(key, procedure, input));
        expect(refused.status, procedure).toBe(403);
        expect(refused.error?.data.reason, procedure).toBe("api_key_not_allowed");
      }
      expect(await servers.db.prisma.apiKey.count({ where: { name: "minted by a key" } })).toBe(0);
      expect(await servers.db.prisma.apiKey.count({ where: { id: other.id } })).toBe(1);
      expect(await servers.db.prisma.user.count({ where: { email: "keys@example.com" } })).toBe(1);
    });

    test("a request with a key is judged by the key alone: a valid cookie beside a bad key is refused", async () => {
      const response = await fetch(`${url}/trpc/endpoints.list`, {
        headers: { authorization: "Bearer gk_not_a_key", cookie, origin: url },
      });
      expect(response.status).toBe(401);
      const basic = await fetch(`${url}/trpc/endpoints.list`, {
        headers: { authorization: "Basic dXNlcjpwYXNz", cookie },
      });
      expect(basic.status).toBe(401);
    });

    test("a key makes no session at /api/auth", async () => {
      const { key } = await createKey("write");
      const response = await fetch(`${url}/api/auth/get-session`, {
        headers: { authorization: `Bearer ${key}`, origin: url },
      });
      expect(await response.json()).toBeNull();
      expect(response.headers.getSetCookie()).toEqual([]);
    });

    test("a key of one account sees nothing of another's", async () => {
      const other = await browser.signUp("other-owner@example.com");
      await browser.mutation("funnels.create", { name: "Other's funnel" }, other.cookie);
      const { key } = await createKey("write", "mine");
      const list = await answer<{ name: string }[]>(await withKey(key, "funnels.list"));
      expect(list.data?.map((p) => p.name)).not.toContain("Other's funnel");
      const theirs = await servers.db.prisma.funnelProject.findFirstOrThrow({
        where: { name: "Other's funnel" },
      });
      const input = encodeURIComponent(JSON.stringify({ id: theirs.id }));
      const refused = await answer(await withKey(key, `funnels.byId?input=${input}`));
      expect(refused.status).toBe(404);
    });

    test("a create call repeated with the same Idempotency-Key makes one record and answers it again", async () => {
      const { key } = await createKey("write");
      const once = { "idempotency-key": "deploy-2026-12-02-funnel" };
      const first = await answer<{ id: string }>(
        await withKey(key, "funnels.create", { name: "Deployed" }, once),
      );
      const again = await answer<{ id: string }>(
        await withKey(key, "funnels.create", { name: "Deployed" }, once),
      );
      expect(first.status).toBe(200);
      expect(again).toMatchObject({ status: 200, data: { id: first.data?.id } });
      expect(await servers.db.prisma.funnelProject.count({ where: { name: "Deployed" } })).toBe(1);

      const hook = { url: "https://crm.example.com/deployed" };
      const endpointKey = { "idempotency-key": "deploy-2026-12-02-endpoint" };
      type WithSecret = { endpoint: { id: string }; secret: string };
      const made = await answer<WithSecret>(await withKey(key, "endpoints.create", hook, endpointKey));
      const remade = await answer<WithSecret>(await withKey(key, "endpoints.create", hook, endpointKey));
      expect(made.status).toBe(200);
      // The repeat answers the same endpoint with the same secret, so a rerun script can still print it.
      expect(remade.data).toEqual(made.data);
      expect(await servers.db.prisma.webhookEndpoint.count({ where: { url: hook.url } })).toBe(1);

      const reused = await answer(await withKey(key, "funnels.create", { name: "Different" }, once));
      expect(reused.status).toBe(409);
      expect(reused.error?.data.reason).toBe("idempotency_key_reused");
      const bad = await answer(
        await withKey(key, "funnels.create", { name: "X" }, { "idempotency-key": "a b" }),
      );
      expect(bad.status).toBe(400);
      expect(bad.error?.data.reason).toBe("invalid_idempotency_key");
      expect(
        await servers.db.prisma.funnelProject.count({ where: { name: { in: ["Different", "X"] } } }),
      ).toBe(0);

      // Without the header every call creates.
      await withKey(key, "funnels.create", { name: "Twice" });
      await withKey(key, "funnels.create", { name: "Twice" });
      expect(await servers.db.prisma.funnelProject.count({ where: { name: "Twice" } })).toBe(2);
    });

    test("requests with a key count against that key's limit, not another key's", async () => {
      const limited = await servers.start({
        api: {
          auth: { secret: "test-secret-test-secret-test-secret!" },
          limits: { apiKeyRequests: { perMinute: 3, concurrent: 5 } },
        },
      });
      const { key: first } = await createKey("read", "limited one");
      const { key: second } = await createKey("read", "limited two");
      const statuses = [];
      for (let i = 0; i < 4; i++) {
        statuses.push(
          (await fetch(`${limited}/trpc/funnels.list`, { headers: { authorization: `Bearer ${first}` } }))
            .status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const other = await fetch(`${limited}/trpc/funnels.list`, {
        headers: { authorization: `Bearer ${second}` },
      });
      expect(other.status).toBe(200);
    });

    describe("mutations with the session cookie come from the dashboard's own origin only", () => {
      const count = () => servers.db.prisma.funnelProject.count({ where: { name: "Forged" } });

      test("Origin http://evil.example with a valid cookie is refused and changes nothing", async () => {
        const refused = await answer(
          await browser.mutation("funnels.create", { name: "Forged" }, cookie, {
            origin: "http://evil.example",
          }),
        );
        expect(refused.status).toBe(403);
        expect(refused.error?.data.reason).toBe("cross_origin_refused");
        expect(await count()).toBe(0);
      });

      test("a same-site origin on another port is refused too", async () => {
        const port = Number(new URL(url).port) + 1;
        const refused = await browser.mutation("funnels.create", { name: "Forged" }, cookie, {
          origin: `http://127.0.0.1:${port}`,
        });
        expect(refused.status).toBe(403);
        expect(await count()).toBe(0);
      });

      test("a multipart form post with the cookie is refused, from another origin or none", async () => {
        const variants: Record<string, string>[] = [
          { origin: "http://evil.example" },
          { "sec-fetch-site": "same-site" },
          {},
        ];
        for (const headers of variants) {
          const form = new FormData();
          form.set("name", "Forged");
          const response = await fetch(`${url}/trpc/funnels.create`, {
            method: "POST",
            headers: { cookie, ...headers },
            body: form,
          });
          expect(response.status, JSON.stringify(headers)).toBe(403);
        }
        expect(await count()).toBe(0);
      });

      test("a mutation with neither Origin nor Sec-Fetch-Site is refused; Sec-Fetch-Site same-origin passes", async () => {
        const bare = await fetch(`${url}/trpc/funnels.create`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie },
          body: JSON.stringify({ name: "Forged" }),
        });
        expect(bare.status).toBe(403);
        expect(await count()).toBe(0);
        const sameOrigin = await fetch(`${url}/trpc/funnels.create`, {
          method: "POST",
          headers: { "content-type": "application/json", cookie, "sec-fetch-site": "same-origin" },
          body: JSON.stringify({ name: "Same origin" }),
        });
        expect(sameOrigin.status).toBe(200);
      });

      test("the dashboard's own origin may change things, and queries without Origin keep working", async () => {
        expect((await browser.mutation("funnels.create", { name: "Own" }, cookie)).status).toBe(200);
        const query = await fetch(`${url}/trpc/funnels.list`, { headers: { cookie } });
        expect(query.status).toBe(200);
      });

      test("a key's mutation is judged by the key alone, whatever its Origin", async () => {
        const { key } = await createKey("write");
        const response = await withKey(
          key,
          "funnels.create",
          { name: "Scripted" },
          { origin: "http://evil.example" },
        );
        expect(response.status).toBe(200);
      });
    });
  });
}

describe("API keys on hostile input", () => {
  const mode: DatabaseMode = "pglite";
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  beforeAll(async () => {
    servers = await openTestServers(mode);
  });
  afterAll(async () => {
    await servers?.close();
  });

  test("any string that is not a live key is no credential, and never an error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string(),
          fc.string({ unit: "binary" }),
          fc
            .tuple(fc.stringMatching(/^[0-9a-f]{24}$/), fc.stringMatching(/^[A-Za-z0-9_-]{43}$/))
            .map(([id, secret]) => `gk_${id}_${secret}`),
        ),
        async (presented) => {
          expect(await verifyApiKey(servers.db, presented)).toBeNull();
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("hostile names and idempotency keys", () => {
  let servers: Awaited<ReturnType<typeof openTestServers>>;
  let userId: string;
  const createCaller = createCallerFactory(appRouter);
  const callerWith = (idempotencyKey: string | null) =>
    createCaller(createContextInner({ db: servers.db, session: { userId }, idempotencyKey }));
  /** A refusal must be a 400 that names the problem; anything else (a 500 above all) fails. */
  const reasonOf = (error: unknown) => {
    const e = error as { code?: string; cause?: { reason?: string } };
    expect(e.code).toBe("BAD_REQUEST");
    return e.cause?.reason ?? "validation_failed";
  };

  beforeAll(async () => {
    servers = await openTestServers("pglite");
    userId = await createOwner(servers.db.prisma, "Hostile");
  });
  afterAll(async () => {
    await servers?.close();
  });

  test("any key name is stored as given (trimmed) or refused as invalid input, never a server error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ maxLength: 300 })),
        async (name) => {
          const result = await callerWith(null)
            .apiKeys.create({ name, scope: "read" })
            .catch((error: unknown) => ({ refused: reasonOf(error) }));
          if ("refused" in result) expect(result.refused).toBe("validation_failed");
          else expect(result.apiKey.name).toBe(name.trim());
        },
      ),
      { numRuns: 150 },
    );
  });

  test("any Idempotency-Key either keys the create or is refused as invalid, never a server error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.string({ maxLength: 300 })),
        async (key) => {
          const caller = callerWith(key);
          const first = await caller.funnels
            .create({ name: "Hostile key" })
            .catch((error: unknown) => ({ refused: reasonOf(error) }));
          if ("refused" in first) {
            expect(first.refused).toBe("invalid_idempotency_key");
            return;
          }
          const again = await caller.funnels.create({ name: "Hostile key" });
          expect(again.id).toBe(first.id);
        },
      ),
      { numRuns: 150 },
    );
  });
});
