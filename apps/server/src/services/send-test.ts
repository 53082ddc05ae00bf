import { randomUUID } from "node:crypto";
import {
  type PayloadFormat,
  type RegistrationWebhook,
  type SendTest,
  type SendTestView,
  toStorableText,
} from "@genie/schemas";
import { type DeliveryResult, deliverOnce, generateSecret } from "@genie/webhook-core";
import type { Database } from "../db";
import { attemptHeaders, maskHeaders } from "../delivery/attempt";
import { sendingCredentials } from "../delivery/store";
import { isAppError, notFound } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { serializeWebhook } from "../intake/payload";
import type { Outbound } from "../settings/outbound";
import { checkReceiverUrl } from "./url-check";

/**
 * The sample a test sends: a registration's shape, in the endpoint's format, so a CRM can map its
 * fields from it.
 */
export function testWebhookBody(eventId: string, format: PayloadFormat, now = new Date()): string {
  const event: Omit<RegistrationWebhook, "event"> & { event: "webhook.test" } = {
    id: eventId,
    event: "webhook.test",
    timestamp: now.toISOString(),
    data: {
      contactId: "00000000-0000-4000-8000-000000000000",
      email: "test.contact@example.com",
      name: "Test Contact",
      phone: "+14155550123",
      consent: { given: true, text: "I agree to receive emails about this event.", at: now.toISOString() },
      funnel: {
        projectId: "00000000-0000-4000-8000-000000000001",
        projectName: "Test funnel",
        pageId: null,
        pageUrl: "https://funnel.example.com/test",
      },
      visitor: { id: "v_test", userAgent: "GenieAI/1.0 (test)", referrer: null },
      utm: { source: "genie", medium: "test", campaign: "webhook-test", term: null, content: null },
      landingPage: "https://funnel.example.com/test?utm_source=genie",
      firstTouch: {
        utm: { source: "genie", medium: "test", campaign: "first-visit", term: null, content: null },
        landingPage: "https://funnel.example.com/?utm_source=genie",
        referrer: "https://search.example.com/",
        at: now.toISOString(),
      },
      fields: { note: "This is a test webhook from Genie." },
    },
  };
  return serializeWebhook(event, format);
}

type Target = {
  url: string;
  endpointId: string | null;
  secrets: string[];
  customHeaders: Record<string, string>;
  payloadFormat: PayloadFormat;
};

/**
 * One synchronous, signed attempt with a `webhook.test` body, logged like any attempt (a webhook_logs
 * row without a delivery), and answered with what happened. Failures are results, not errors: the
 * person testing wants the status, the latency and the receiver's answer. Only a saved endpoint of
 * another account is an error (NOT_FOUND).
 */
export async function sendTest(
  db: Database,
  userId: string,
  input: SendTest,
  outbound: Outbound,
): Promise<SendTestView> {
  const target =
    "endpointId" in input ? await savedTarget(db, userId, input.endpointId) : unsavedTarget(input);
  const eventId = `evt_test_${randomUUID().replaceAll("-", "")}`;
  const body = testWebhookBody(eventId, target.payloadFormat);
  const headers = attemptHeaders({
    eventId,
    body,
    secrets: target.secrets,
    customHeaders: target.customHeaders,
  });

  let result: DeliveryResult;
  try {
    // The save-time check first, for its clearer reason; the guarded pool checks again at connect.
    await checkReceiverUrl(target.url, outbound.ssrfAllow);
    result = await deliverOnce({
      url: target.url,
      body,
      headers,
      timeoutMs: outbound.timeoutMs,
      ...(outbound.agent && { dispatcher: outbound.agent }),
    });
  } catch (error) {
    if (!isAppError(error)) throw error;
    result = { ok: false, errorKind: "ssrf-blocked", errorMessage: error.userMessage, durationMs: 0 };
  }

  const statusCode = result.statusCode ?? null;
  const errorKind = result.ok ? null : (result.errorKind ?? "http");
  const errorMessage = result.ok
    ? null
    : toStorableText(result.errorMessage ?? `receiver answered ${statusCode}`);
  // A receiver's answer can hold anything (NUL, binary): stored, and shown, as text the database takes.
  const responseExcerpt =
    result.responseExcerpt === undefined ? null : toStorableText(result.responseExcerpt);
  const requestHeaders = maskHeaders(headers, target.customHeaders);
  const durationMs = Math.round(result.durationMs);
  const log = await db.prisma.webhookLog.create({
    data: {
      userId,
      endpointId: target.endpointId,
      eventType: "webhook.test",
      payload: JSON.parse(body) as Prisma.InputJsonValue,
      webhookUrl: target.url,
      statusCode,
      success: result.ok,
      errorKind,
      errorMessage,
      attemptNumber: 1,
      deliveredAt: result.ok ? new Date() : null,
      durationMs,
      requestHeaders,
      responseExcerpt,
    },
    select: { id: true },
  });
  return {
    ok: result.ok,
    url: target.url,
    statusCode,
    durationMs,
    errorKind,
    errorMessage,
    responseExcerpt,
    requestHeaders,
    logId: log.id,
    body,
  };
}

async function savedTarget(db: Database, userId: string, endpointId: string): Promise<Target> {
  const endpoint = await db.prisma.webhookEndpoint.findFirst({
    where: { id: endpointId, userId },
    select: {
      id: true,
      url: true,
      secret: true,
      previousSecret: true,
      previousSecretExpiresAt: true,
      customHeaders: true,
      payloadFormat: true,
    },
  });
  if (!endpoint) throw notFound("Endpoint");
  return {
    url: endpoint.url,
    endpointId: endpoint.id,
    // Signed exactly as real deliveries are, both secrets during a rotation's grace period.
    ...sendingCredentials(endpoint.id, {
      ...endpoint,
      customHeaders: endpoint.customHeaders as Record<string, string> | null,
    }),
    payloadFormat: endpoint.payloadFormat,
  };
}

/** A URL not saved yet has no secret: a throwaway one signs, so the headers look as they will. */
function unsavedTarget(input: Extract<SendTest, { url: string }>): Target {
  return {
    url: input.url,
    endpointId: null,
    secrets: [generateSecret()],
    customHeaders: input.customHeaders,
    payloadFormat: input.payloadFormat,
  };
}
