import { randomUUID } from "node:crypto";
import { createSsrfGuardedAgent } from "@genie/webhook-core";
import { verifyApiKey } from "../../src/auth/api-key";
import { type ContextOptions, createContextInner } from "../../src/context";
import type { Database } from "../../src/db";
import type { PrismaClient } from "../../src/generated/prisma/client";
import { startLiveFeed } from "../../src/live/feed";
import { appRouter } from "../../src/routers/_app";
import { createCallerFactory } from "../../src/trpc";

const createCaller = createCallerFactory(appRouter);

/**
 * Calls procedures as an account owner (or anonymously, with `null`), the way the HTTP adapter would
 * after reading the session cookie. Test sends may reach 127.0.0.1 only, and give up after `timeoutMs`.
 */
export function createApiHarness(db: Database, options: { timeoutMs?: number } = {}) {
  const ssrfAllow = ["127.0.0.1"];
  const agent = createSsrfGuardedAgent({ allow: ssrfAllow });
  const notified: string[][] = [];
  const live = startLiveFeed(db);
  const extra: Partial<ContextOptions> = {
    live,
    outbound: { ssrfAllow, timeoutMs: options.timeoutMs ?? 2000, agent },
    worker: { wake: (ids) => notified.push(ids) },
    publicUrl: "https://genie.example.com",
  };
  return {
    /** The deliveries each redelivery handed to the (stand-in) worker. */
    notified,
    as: (userId: string | null, request: { idempotencyKey?: string } = {}) =>
      createCaller(createContextInner({ db, session: userId ? { userId } : null, ...extra, ...request })),
    /** Calls procedures with an API key, as the HTTP adapter would after reading Authorization. */
    withKey: async (key: string) =>
      createCaller(createContextInner({ db, session: null, apiKey: await verifyApiKey(db, key), ...extra })),
    close: async () => {
      await live.close();
      await agent.close();
    },
  };
}

export type ApiCaller = ReturnType<ReturnType<typeof createApiHarness>["as"]>;

/** An account owner with nothing else. */
export async function createOwner(prisma: PrismaClient, name = "Owner"): Promise<string> {
  const user = await prisma.user.create({
    data: { name, email: `${name.toLowerCase()}-${randomUUID()}@example.com` },
  });
  return user.id;
}

/** The secrets an account's seeded endpoint holds: no response but create/rotate may contain them. */
export const SEEDED_SECRETS = {
  secret: "whsec_c2VlZGVkLXNlY3JldC1vbmUtMTIzNDU2Nzg5MA==",
  previousSecret: "whsec_c2VlZGVkLXNlY3JldC10d28tMTIzNDU2Nzg5MA==",
  headerValue: "Bearer seeded-header-token-0123456789",
};

export type Activity = {
  endpointId: string;
  projectId: string;
  pageId: string;
  contactId: string;
  contactEmail: string;
  deliveryIds: { failed: string; pending: string };
  logIds: string[];
  apiKeyId: string;
};

/**
 * One of everything an account owns: an endpoint mid-rotation with a custom header, a project with a
 * page, a contact, a failed delivery with two logged attempts, a pending delivery, and an API key.
 */
export async function seedActivity(prisma: PrismaClient, userId: string): Promise<Activity> {
  const endpoint = await prisma.webhookEndpoint.create({
    data: {
      userId,
      url: "https://crm.example.com/hook",
      secret: SEEDED_SECRETS.secret,
      previousSecret: SEEDED_SECRETS.previousSecret,
      previousSecretExpiresAt: new Date(Date.now() + 3_600_000),
      customHeaders: { Authorization: SEEDED_SECRETS.headerValue },
    },
  });
  const project = await prisma.funnelProject.create({ data: { userId, name: "Launch" } });
  const page = await prisma.funnelPage.create({ data: { projectId: project.id, name: "Landing" } });
  const contact = await prisma.contact.create({
    data: {
      userId,
      funnelProjectId: project.id,
      funnelPageId: page.id,
      email: `lead-${randomUUID()}@example.com`,
      name: "Lead",
      utmSource: "newsletter",
    },
  });
  const body = JSON.stringify({
    id: "evt_1",
    event: "registration.submitted",
    data: { email: contact.email },
  });
  const failed = await prisma.webhookDelivery.create({
    data: {
      userId,
      endpointId: endpoint.id,
      contactId: contact.id,
      eventId: `evt_${randomUUID()}`,
      eventType: "registration.submitted",
      body,
      status: "failed",
      attemptCount: 2,
      completedAt: new Date(),
    },
  });
  const pending = await prisma.webhookDelivery.create({
    data: {
      userId,
      endpointId: endpoint.id,
      contactId: contact.id,
      eventId: `evt_${randomUUID()}`,
      eventType: "registration.submitted",
      body,
      nextAttemptAt: new Date(Date.now() + 3_600_000),
    },
  });
  const logIds: string[] = [];
  for (const attemptNumber of [1, 2]) {
    const log = await prisma.webhookLog.create({
      data: {
        userId,
        deliveryId: failed.id,
        endpointId: endpoint.id,
        eventType: "registration.submitted",
        payload: JSON.parse(body),
        webhookUrl: endpoint.url,
        statusCode: 503,
        success: false,
        errorKind: "http",
        errorMessage: "receiver answered 503",
        attemptNumber,
        durationMs: 40 + attemptNumber,
        requestHeaders: { "webhook-id": failed.eventId, Authorization: "••••••" },
        responseExcerpt: "unavailable",
      },
    });
    logIds.push(log.id);
  }
  const apiKey = await prisma.apiKey.create({
    data: {
      userId,
      name: "Seeded",
      scope: "write",
      lookupId: randomUUID().replace(/-/g, "").slice(0, 24),
      secretHash: "0".repeat(64),
    },
  });
  return {
    apiKeyId: apiKey.id,
    endpointId: endpoint.id,
    projectId: project.id,
    pageId: page.id,
    contactId: contact.id,
    contactEmail: contact.email,
    deliveryIds: { failed: failed.id, pending: pending.id },
    logIds,
  };
}
