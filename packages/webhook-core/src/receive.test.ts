import { request as httpRequest, type IncomingMessage } from "node:http";
import { describe, expect, test } from "vitest";
import { isWebhookVerificationError } from "./errors";
import { verifyIncomingMessage, verifyRequest } from "./receive";
import { signWebhook } from "./sign";
import { createWebhookVerifier } from "./verify";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY = JSON.stringify({ event: "registration.submitted", data: { name: "Zoë" } });

/** A raw node:http server whose handler runs our receiver helper; answers 204 or 400 with the reason. */
async function receiverWith(handle: (request: IncomingMessage) => Promise<unknown>) {
  const { createServer } = await import("node:http");
  const seen: unknown[] = [];
  const raw = createServer((request, response) => {
    handle(request).then(
      (result) => {
        seen.push(result);
        response.writeHead(204).end();
      },
      (error: unknown) => {
        seen.push(error);
        response
          .writeHead(isWebhookVerificationError(error) ? 400 : 500)
          .end(isWebhookVerificationError(error) ? error.reason : "");
      },
    );
  });
  await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
  const { port } = raw.address() as { port: number };
  return {
    seen,
    post(body: string, headers: Record<string, string>) {
      return new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = httpRequest({ host: "127.0.0.1", port, method: "POST", headers }, (res) => {
          let text = "";
          res.on("data", (chunk) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on("error", reject);
        req.end(body);
      });
    },
    close: () => {
      raw.closeAllConnections();
      return new Promise<void>((resolve) => raw.close(() => resolve()));
    },
  };
}

describe("verifyIncomingMessage", () => {
  test("reads and verifies a Node request's body itself", async () => {
    const receiver = await receiverWith((req) => verifyIncomingMessage(req, { secrets: SECRET }));
    try {
      const headers = signWebhook({ id: "msg_1", body: BODY, secrets: SECRET });
      expect(await receiver.post(BODY, headers)).toMatchObject({ status: 204 });
      expect(receiver.seen[0]).toMatchObject({ id: "msg_1", body: BODY });
      expect(await receiver.post(`${BODY}x`, headers)).toEqual({
        status: 400,
        text: "no-matching-signature",
      });
    } finally {
      await receiver.close();
    }
  });

  test("uses a raw body a framework already read", async () => {
    const verifier = createWebhookVerifier({ secrets: SECRET });
    const receiver = await receiverWith(async (req) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      return verifyIncomingMessage(req, verifier, { rawBody: Buffer.concat(chunks) });
    });
    try {
      const headers = signWebhook({ id: "msg_2", body: BODY, secrets: SECRET });
      expect(await receiver.post(BODY, headers)).toMatchObject({ status: 204 });
      expect(receiver.seen[0]).toMatchObject({ id: "msg_2", body: BODY });
    } finally {
      await receiver.close();
    }
  });

  test("says so when a JSON parser consumed the body first", async () => {
    const receiver = await receiverWith(async (req) => {
      for await (const _ of req) {
        // a body parser that read everything
      }
      return verifyIncomingMessage(req, { secrets: SECRET });
    });
    try {
      const headers = signWebhook({ id: "msg_3", body: BODY, secrets: SECRET });
      expect(await receiver.post(BODY, headers)).toEqual({ status: 400, text: "invalid-payload" });
      expect(String((receiver.seen[0] as Error).message)).toMatch(
        /already read, probably because a JSON parser ran/,
      );
    } finally {
      await receiver.close();
    }
  });

  test("says a JSON parser ran first when the raw body it is given is a parsed object", async () => {
    const receiver = await receiverWith((req) =>
      verifyIncomingMessage(req, { secrets: SECRET }, { rawBody: JSON.parse(BODY) }),
    );
    try {
      const headers = signWebhook({ id: "msg_6", body: BODY, secrets: SECRET });
      expect(await receiver.post(BODY, headers)).toEqual({ status: 400, text: "invalid-payload" });
      expect(String((receiver.seen[0] as Error).message)).toMatch(
        /^options\.rawBody is an object, not the raw body: a JSON parser ran before verification\. Express: /,
      );
    } finally {
      await receiver.close();
    }
  });

  test("refuses a body over the limit without buffering it", async () => {
    const receiver = await receiverWith((req) =>
      verifyIncomingMessage(req, { secrets: SECRET }, { maxBodyBytes: 100 }),
    );
    try {
      const body = "x".repeat(50_000);
      const headers = signWebhook({ id: "msg_4", body, secrets: SECRET });
      // The helper stops reading, which closes the connection: the client may see a reset instead of 400.
      await receiver.post(body, headers).catch(() => undefined);
      expect(receiver.seen[0]).toMatchObject({ reason: "invalid-payload" });
    } finally {
      await receiver.close();
    }
  });
});

describe("verifyRequest (Node)", () => {
  test("verifies a Fetch Request with node:crypto", async () => {
    const headers = signWebhook({ id: "msg_5", body: BODY, secrets: SECRET });
    const request = new Request("http://receiver.test/hook", { method: "POST", body: BODY, headers });
    await expect(verifyRequest(request, { secrets: SECRET })).resolves.toMatchObject({
      id: "msg_5",
      body: BODY,
    });
  });
});
