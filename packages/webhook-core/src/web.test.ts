import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, test, vi } from "vitest";
import { isWebhookVerificationError } from "./errors";
import { signWebhook } from "./sign";
import { createWebhookVerifier, verifyRequest } from "./web";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY = '{"event":"registration.submitted"}';

/** Every module the web entry pulls in, following relative imports (type-only ones excluded). */
function moduleGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const source = readFileSync(file, "utf8");
    const specifiers = [...source.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^"]+)"/gms)].map(
      (m) => m[1] as string,
    );
    graph.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith(".")) visit(join(dirname(file), `${s}.ts`));
  };
  visit(entry);
  return graph;
}

describe("the web entry", () => {
  test("imports nothing from Node or undici, so it runs on edge runtimes", () => {
    const graph = moduleGraph(join(import.meta.dirname, "web.ts"));
    const external = [...graph.values()].flat().filter((s) => !s.startsWith("."));
    expect(external).toEqual([]);
    expect(graph.size).toBeGreaterThan(3); // the walk did follow the imports
  });

  test("verifyRequest reads a Request's body and returns it with the webhook's identity", async () => {
    const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });
    const request = new Request("https://receiver.example/hook", { method: "POST", body: BODY, headers });
    const verified = await verifyRequest(request, { secrets: SECRET });
    expect(verified).toMatchObject({ id: "msg_1", body: BODY });
    expect(new TextDecoder().decode(verified.rawBody)).toBe(BODY);
  });

  test("verifyRequest takes a prepared verifier and refuses a tampered body", async () => {
    const verifier = createWebhookVerifier({ secrets: SECRET });
    const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });
    const request = new Request("https://receiver.example/hook", {
      method: "POST",
      body: `${BODY} `,
      headers,
    });
    await expect(verifyRequest(request, verifier)).rejects.toMatchObject({ reason: "no-matching-signature" });
  });

  test("verifyRequest refuses a body over the limit and one already read", async () => {
    const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });
    const big = new Request("https://r.example/", { method: "POST", body: "x".repeat(2000), headers });
    await expect(verifyRequest(big, { secrets: SECRET }, { maxBodyBytes: 1000 })).rejects.toMatchObject({
      reason: "invalid-payload",
    });
    const used = new Request("https://r.example/", { method: "POST", body: BODY, headers });
    await used.text();
    const error = await verifyRequest(used, { secrets: SECRET }).catch((e: unknown) => e);
    expect(isWebhookVerificationError(error) && [error.reason, error.message]).toEqual([
      "invalid-payload",
      "the request body was already read (request.json() or .text() ran before verification): verify first, then parse the body it returns",
    ]);
  });
});

describe("createWebhookVerifier (web)", () => {
  test("imports the keys again after a failed import instead of failing every later request", async () => {
    // Web Crypto can fail transiently (a runtime under memory pressure, a restricted worker): the
    // failure is injected once here, because a real secret always imports.
    const failure = new Error("importKey failed once");
    const importKey = vi.spyOn(crypto.subtle, "importKey").mockRejectedValueOnce(failure);
    try {
      const verifier = createWebhookVerifier({ secrets: SECRET });
      const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });
      await expect(verifier.verify(BODY, headers)).rejects.toBe(failure);
      await expect(verifier.verify(BODY, headers)).resolves.toMatchObject({ id: "msg_1" });
      await expect(verifier.verify(BODY, headers)).resolves.toMatchObject({ id: "msg_1" });
      expect(importKey).toHaveBeenCalledTimes(2); // once failed, once for good: then cached
    } finally {
      importKey.mockRestore();
    }
  });
});
