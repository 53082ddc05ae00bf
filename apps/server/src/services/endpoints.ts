import { randomUUID } from "node:crypto";
import type {
  ById,
  EndpointCreate,
  EndpointUpdate,
  EndpointView,
  RotateSecret,
  SubscribableEvent,
} from "@genie/schemas";
import { CRM_PACING_DEFAULTS, MAX_CUSTOM_HEADERS } from "@genie/schemas";
import { generateSecret } from "@genie/webhook-core";
import type { Database } from "../db";
import { openSealed } from "../db/encryption";
import { AppError, notFound } from "../errors";
import type { Prisma, PrismaClient } from "../generated/prisma/client";
import { checkReceiverUrl } from "./url-check";

/** Everything an endpoint response shows, and the two columns it masks (never sent as they are). */
const endpointSelect = {
  id: true,
  name: true,
  url: true,
  enabled: true,
  retryPreset: true,
  crm: true,
  secret: true,
  previousSecretExpiresAt: true,
  customHeaders: true,
  allProjects: true,
  projects: { select: { projectId: true }, orderBy: { projectId: "asc" } },
  eventTypes: true,
  payloadFormat: true,
  rateLimitPerSecond: true,
  maxConcurrency: true,
  disabledReason: true,
  disabledAt: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.WebhookEndpointSelect;

type EndpointRow = Prisma.WebhookEndpointGetPayload<{ select: typeof endpointSelect }>;

/** `whsec_…` and the last 4 characters: enough to tell two secrets apart, useless to an attacker. */
export function secretHint(secret: string): string {
  return `${secret.startsWith("whsec_") ? "whsec_" : ""}…${secret.slice(-4)}`;
}

/** A header value's last 4 characters only when it is long enough that they give nothing away. */
export function headerValueHint(value: string): string {
  return value.length >= 16 ? `••••${value.slice(-4)}` : "••••";
}

function headersOf(json: Prisma.JsonValue): Record<string, string> {
  return json && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, string>) : {};
}

/** The masked view every response shows (hints come from the decrypted values, which stay here). */
export function toEndpointView(row: EndpointRow): EndpointView {
  const { secret, customHeaders, previousSecretExpiresAt, allProjects, projects, eventTypes, ...rest } = row;
  const graceRunning = previousSecretExpiresAt && previousSecretExpiresAt.getTime() > Date.now();
  const projectIds = allProjects ? null : projects.map((p) => p.projectId);
  return {
    ...rest,
    projectIds,
    // Stored empty (or NULL) for the default set, which the API calls null.
    eventTypes: eventTypes && eventTypes.length > 0 ? (eventTypes as SubscribableEvent[]) : null,
    routingWarning:
      projectIds?.length === 0
        ? "Receives no registrations: none of its projects is left (deleted). Choose projects, or all projects."
        : null,
    secretHint: secretHint(openSealed(secret, row.id)),
    previousSecretExpiresAt: graceRunning ? previousSecretExpiresAt : null,
    // jsonb keeps its own key order: sort, so the list does not shuffle between saves.
    customHeaders: Object.entries(headersOf(customHeaders))
      .sort(([a], [b]) => a.toLowerCase().localeCompare(b.toLowerCase()))
      .map(([name, value]) => ({ name, valueHint: headerValueHint(openSealed(value, row.id)) })),
  };
}

export async function listEndpoints(db: Database, userId: string): Promise<EndpointView[]> {
  const rows = await db.prisma.webhookEndpoint.findMany({
    where: { userId },
    select: endpointSelect,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map(toEndpointView);
}

export async function getEndpoint(db: Database, userId: string, { id }: ById): Promise<EndpointView> {
  return toEndpointView(await findOwn(db.prisma, userId, id));
}

async function findOwn(
  prisma: PrismaClient | Prisma.TransactionClient,
  userId: string,
  id: string,
): Promise<EndpointRow> {
  const row = await prisma.webhookEndpoint.findFirst({ where: { id, userId }, select: endpointSelect });
  if (!row) throw notFound("Endpoint");
  return row;
}

/**
 * Runs a read-then-write of one endpoint with its row locked, so two concurrent edits (two header
 * patches, say) apply one after the other instead of the second undoing the first.
 */
async function withLockedEndpoint<T>(
  db: Database,
  userId: string,
  id: string,
  change: (tx: Prisma.TransactionClient, current: EndpointRow) => Promise<T>,
): Promise<T> {
  return db.prisma.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM webhook_endpoints WHERE id = ${id}::uuid AND user_id = ${userId}::uuid FOR UPDATE`;
    return change(tx, await findOwn(tx, userId, id));
  });
}

/** Creates an endpoint with a fresh secret; this response is the only one that carries it in full. */
export async function createEndpoint(
  db: Database,
  userId: string,
  input: EndpointCreate,
  ssrfAllow: readonly string[],
) {
  await checkReceiverUrl(input.url, ssrfAllow);
  const { projectIds, eventTypes, rateLimitPerSecond, maxConcurrency, ...fields } = input;
  const pacing = CRM_PACING_DEFAULTS[fields.crm];
  if (projectIds) await assertOwnProjects(db.prisma, userId, projectIds);
  const secret = generateSecret();
  // The id is made here: sealed values are bound to their endpoint's id.
  const id = randomUUID();
  const row = await db.prisma.webhookEndpoint.create({
    data: {
      ...fields,
      id,
      userId,
      rateLimitPerSecond: rateLimitPerSecond === undefined ? pacing.rateLimitPerSecond : rateLimitPerSecond,
      maxConcurrency: maxConcurrency === undefined ? pacing.maxConcurrency : maxConcurrency,
      secret: db.keys.seal(secret, id),
      ...(fields.customHeaders && { customHeaders: db.keys.sealHeaders(fields.customHeaders, id) }),
      ...routingData(projectIds, eventTypes),
    },
    select: endpointSelect,
  });
  return { endpoint: toEndpointView(row), secret };
}

/** An endpoint with its current secret in full: the answer a repeated idempotent create gets again. */
export async function getEndpointWithSecret(db: Database, userId: string, { id }: ById) {
  const row = await db.prisma.webhookEndpoint.findFirst({ where: { id, userId }, select: { secret: true } });
  if (!row) throw notFound("Endpoint");
  return { endpoint: await getEndpoint(db, userId, { id }), secret: openSealed(row.secret, id) };
}

/**
 * Applies a partial update. Disabling by hand records when; re-enabling clears the reason and reports
 * how many deliveries failed since the endpoint's last success, so the dashboard can offer to
 * redeliver them (deliveries that were still pending simply resume).
 */
export async function updateEndpoint(
  db: Database,
  userId: string,
  input: EndpointUpdate,
  ssrfAllow: readonly string[],
) {
  // The URL check resolves DNS: done before the row is locked, not while holding it.
  const before = await findOwn(db.prisma, userId, input.id);
  if (input.url !== undefined && input.url !== before.url) await checkReceiverUrl(input.url, ssrfAllow);
  if (input.projectIds) await assertOwnProjects(db.prisma, userId, input.projectIds);

  const reEnabled = await withLockedEndpoint(db, userId, input.id, async (tx, current) => {
    const data: Prisma.WebhookEndpointUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (input.url !== undefined) data.url = input.url;
    if (input.retryPreset !== undefined) data.retryPreset = input.retryPreset;
    if (input.crm !== undefined) data.crm = input.crm;
    if (input.customHeaders !== undefined)
      data.customHeaders = patchHeaders(current.customHeaders, input.customHeaders, (value) =>
        db.keys.seal(value, current.id),
      );
    if (input.payloadFormat !== undefined) data.payloadFormat = input.payloadFormat;
    if (input.rateLimitPerSecond !== undefined) data.rateLimitPerSecond = input.rateLimitPerSecond;
    if (input.maxConcurrency !== undefined) data.maxConcurrency = input.maxConcurrency;
    if (input.eventTypes !== undefined) data.eventTypes = routingData(null, input.eventTypes).eventTypes;
    if (input.projectIds !== undefined) {
      // The list is replaced as a whole: its rows are deleted and written again in this transaction.
      await tx.webhookEndpointProject.deleteMany({ where: { endpointId: current.id } });
      const { allProjects, projects } = routingData(input.projectIds, null);
      data.allProjects = allProjects;
      if (projects) data.projects = projects;
    }
    if (input.enabled !== undefined && input.enabled !== current.enabled) {
      data.enabled = input.enabled;
      data.disabledAt = input.enabled ? null : new Date();
      data.disabledReason = input.enabled ? null : "Disabled in settings.";
    }
    await tx.webhookEndpoint.update({ where: { id: current.id }, data });
    return input.enabled === true && !current.enabled;
  });
  const endpoint = await getEndpoint(db, userId, input);
  return {
    endpoint,
    failedWhileDisabled: reEnabled ? await failedSinceLastSuccess(db, userId, input.id) : null,
  };
}

/** The routing columns for the API's `projectIds` / `eventTypes` (null: all projects, default events). */
function routingData(projectIds: string[] | null, eventTypes: SubscribableEvent[] | null) {
  return {
    allProjects: projectIds === null,
    eventTypes: eventTypes ?? [],
    ...(projectIds && { projects: { create: projectIds.map((projectId) => ({ projectId })) } }),
  };
}

/** Routing may name only the account's own projects; another account's id reads as not existing. */
async function assertOwnProjects(prisma: PrismaClient, userId: string, projectIds: string[]) {
  const own = await prisma.funnelProject.findMany({
    where: { id: { in: projectIds }, userId },
    select: { id: true },
  });
  const missing = projectIds.filter((id) => !own.some((p) => p.id === id));
  if (missing.length > 0) {
    throw new AppError("BAD_REQUEST", {
      reason: "project_not_found",
      userMessage: `No funnel project of yours has the id ${missing.join(", ")}.`,
      fieldErrors: { projectIds: missing.map((id) => `no funnel project of yours has the id ${id}`) },
    });
  }
}

/** The stored headers with a patch applied; new values are sealed by `seal` before they are stored. */
function patchHeaders(
  current: Prisma.JsonValue,
  patch: Record<string, string | null>,
  seal: (value: string) => string,
): Record<string, string> {
  const headers = { ...headersOf(current) };
  for (const [name, value] of Object.entries(patch)) {
    // Header names are case-insensitive: one spelling replaces another.
    for (const existing of Object.keys(headers)) {
      if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    }
    if (value !== null) headers[name] = seal(value);
  }
  if (Object.keys(headers).length > MAX_CUSTOM_HEADERS) {
    throw new AppError("BAD_REQUEST", {
      reason: "too_many_headers",
      userMessage: `An endpoint has at most ${MAX_CUSTOM_HEADERS} custom headers.`,
    });
  }
  return headers;
}

/** Failed deliveries of an endpoint since its last successful one: what an outage left behind. */
async function failedSinceLastSuccess(db: Database, userId: string, endpointId: string) {
  const lastSuccess = await db.prisma.webhookDelivery.findFirst({
    where: { userId, endpointId, status: "succeeded" },
    orderBy: { completedAt: "desc" },
    select: { completedAt: true, createdAt: true },
  });
  const since = lastSuccess?.completedAt ?? lastSuccess?.createdAt ?? new Date(0);
  const count = await db.prisma.webhookDelivery.count({
    where: { userId, endpointId, status: "failed", createdAt: { gte: since } },
  });
  return { count, since };
}

export async function deleteEndpoint(db: Database, userId: string, { id }: ById) {
  const { count } = await db.prisma.webhookEndpoint.deleteMany({ where: { id, userId } });
  if (count === 0) throw notFound("Endpoint");
  return { id };
}

/**
 * A new secret; the current one keeps signing beside it for `graceHours` (receivers holding either
 * verify), then stops. Rotating again during a grace period drops the oldest secret at once.
 */
export async function rotateSecret(db: Database, userId: string, { id, graceHours }: RotateSecret) {
  const secret = generateSecret();
  // One statement: the secret it keeps is the one it replaces, even when two rotations race.
  const rotated = await db.prisma.$executeRaw`
    UPDATE webhook_endpoints SET
      previous_secret = CASE WHEN ${graceHours}::int > 0 THEN secret END,
      previous_secret_expires_at = CASE WHEN ${graceHours}::int > 0
        THEN now() + ${graceHours}::int * interval '1 hour' END,
      secret = ${db.keys.seal(secret, id)},
      updated_at = now()
    WHERE id = ${id}::uuid AND user_id = ${userId}::uuid`;
  if (rotated === 0) throw notFound("Endpoint");
  return { endpoint: await getEndpoint(db, userId, { id }), secret };
}
