import { createGenieClient, GenieError, isGenieError } from "@genie/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { DATABASE_MODES, isModeAvailable } from "../support/databases";
import { httpClient, openTestServers } from "../support/http";

type Created = { key: string };

for (const mode of DATABASE_MODES) {
  describe.skipIf(!isModeAvailable(mode))(`@genie/client against a server on ${mode}`, () => {
    let servers: Awaited<ReturnType<typeof openTestServers>>;
    let url: string;
    let keys: { read: string; write: string };

    beforeAll(async () => {
      servers = await openTestServers(mode);
      url = await servers.start({ api: { auth: { secret: "test-secret-test-secret-test-secret!" } } });
      const browser = httpClient(url);
      const { cookie } = await browser.signUp("client@example.com");
      const create = async (scope: "read" | "write") => {
        const response = await browser.mutation("apiKeys.create", { name: scope, scope }, cookie);
        return ((await response.json()) as { result: { data: Created } }).result.data.key;
      };
      keys = { read: await create("read"), write: await create("write") };
    });
    afterAll(async () => {
      await servers?.close();
    });

    test("provisions a funnel and an endpoint, idempotently, and reads them back in one batch", async () => {
      const genie = createGenieClient({ baseUrl: url, apiKey: keys.write });
      const context = { idempotencyKey: "client-test-funnel" };
      const funnel = await genie.funnels.create.mutate({ name: "Launch" }, { context });
      const again = await genie.funnels.create.mutate({ name: "Launch" }, { context });
      expect(again.id).toBe(funnel.id);
      expect(funnel.embedSnippet).toContain(funnel.id);
      const { endpoint, secret } = await genie.endpoints.create.mutate({
        url: "https://crm.example.com/hook",
      });
      expect(secret).toMatch(/^whsec_/);
      const [funnels, endpoints, logs] = await Promise.all([
        genie.funnels.list.query(),
        genie.endpoints.list.query(),
        genie.logs.list.query({ status: "failed" }),
      ]);
      expect(funnels.map((f) => f.id)).toEqual([funnel.id]);
      expect(endpoints.map((e) => e.id)).toEqual([endpoint.id]);
      expect(logs.items).toEqual([]);
    });

    test("refusals arrive as a GenieError with the server's reason", async () => {
      const reader = createGenieClient({ baseUrl: url, apiKey: keys.read });
      const readOnly = await reader.funnels.create.mutate({ name: "Nope" }).catch((e: unknown) => e);
      expect(readOnly).toBeInstanceOf(GenieError);
      expect(readOnly).toMatchObject({ reason: "api_key_read_only", status: 403 });

      const writer = createGenieClient({ baseUrl: url, apiKey: keys.write });
      const invalid = await writer.endpoints.create.mutate({ url: "not a url" }).catch((e: unknown) => e);
      expect(isGenieError(invalid) && invalid.reason).toBe("validation_failed");
      expect(isGenieError(invalid) && Object.keys(invalid.fieldErrors ?? {})).toEqual(["url"]);

      const revoked = createGenieClient({ baseUrl: url, apiKey: `${keys.write.slice(0, -4)}AAAA` });
      const unauthorized = await revoked.endpoints.list.query().catch((e: unknown) => e);
      expect(unauthorized).toMatchObject({ reason: "unauthorized", status: 401 });
    });

    test("uses the fetch it is given, and reports a network failure as a GenieError", async () => {
      const seen: string[] = [];
      const genie = createGenieClient({
        baseUrl: url,
        apiKey: keys.read,
        fetch: (input, init) => {
          seen.push(String(input));
          return fetch(input, init);
        },
      });
      await genie.endpoints.list.query();
      expect(seen).toHaveLength(1);
      // Nothing listens on port 9 of loopback.
      const offline = createGenieClient({ baseUrl: "http://127.0.0.1:9", apiKey: keys.read });
      const failed = await offline.endpoints.list.query().catch((e: unknown) => e);
      expect(failed).toMatchObject({ name: "GenieError", reason: "network_error", status: 0 });
    });
  });
}
