import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { type ApiError, HONEYPOT_FIELD, type RegistrationAccepted, registrationSchema } from "@genie/schemas";
import type { FastifyError, FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import type { SqlRunner } from "../db";
import type { ClaimedDelivery } from "../delivery/store";
import {
  cachedProjectLookup,
  findEnabledProject,
  type OutboxLease,
  prepareRegistration,
  RegistrationRejected,
} from "./accept";
import { createRegistrationWriter, type GroupCommitOptions } from "./group-commit";

/** How the intake hands new deliveries to the worker of its process. */
export type DeliveryHandOff = {
  /** A lease for new deliveries, or null when the worker is full or stopping. */
  lease(): OutboxLease | null;
  /** Takes over deliveries leased to it by `lease()`. */
  adopt(deliveries: ClaimedDelivery[]): void;
};

export type IntakeOptions = {
  sql: SqlRunner;
  /**
   * The delivery worker of this process, if any: new deliveries are leased to it in the statement
   * that stores them and adopted right after the commit, so the first attempt needs no claim query.
   */
  handOff?: DeliveryHandOff;
  /** How long a found funnel project is remembered (0: not at all). @default 1000 */
  projectCacheMs?: number;
  /** Registrations per minute from one client address. @default 120 */
  perClientPerMinute?: number;
  /** Registrations per minute into one funnel project. @default 6000 */
  perProjectPerMinute?: number;
  /** How registrations arriving together share statements (group commit). */
  groupCommit?: GroupCommitOptions;
};

/** A registration is a few hundred bytes; anything near this is a mistake or an attack. */
const BODY_LIMIT = 16 * 1024;
const IDEMPOTENCY_KEY = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/**
 * `POST /api/contacts`: the public registration intake used by the form SDK and by anyone posting
 * JSON. Every refusal is a JSON ApiError with a message that says what is wrong, and stores nothing.
 */
export async function intakeRoutes(app: FastifyInstance, options: IntakeOptions) {
  const { sql, handOff } = options;
  const projectCacheMs = options.projectCacheMs ?? 1000;
  const findProject =
    projectCacheMs > 0
      ? cachedProjectLookup(sql, projectCacheMs)
      : (projectId: string, pageId: string | null) => findEnabledProject(sql, projectId, pageId);
  const writer = createRegistrationWriter(sql, options.groupCommit);

  // Only JSON: a form post or text body is refused with 415 rather than half-understood.
  app.removeContentTypeParser(["text/plain"]);
  // Browsers on any funnel page may call us; the project's own allow-list is checked per request,
  // once the body says which project it is (a preflight cannot carry that).
  await app.register(cors, { origin: true, methods: ["POST"], maxAge: 86_400 });
  await app.register(rateLimit, { global: false });

  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const statusCode = error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
    if (statusCode === 500) {
      reply.log.error(error);
      return sendError(reply, 500, "internal_error", "Something went wrong on our side; nothing was stored.");
    }
    return sendError(reply, statusCode, fastifyErrorName(error), error.message);
  });

  app.post<{ Body: unknown }>(
    "/api/contacts",
    {
      bodyLimit: BODY_LIMIT,
      onRequest: app.rateLimit({
        max: options.perClientPerMinute ?? 120,
        timeWindow: 60_000,
        keyGenerator: (request) => `client:${request.ip}`,
      }),
      preHandler: app.rateLimit({
        max: options.perProjectPerMinute ?? 6000,
        timeWindow: 60_000,
        keyGenerator: (request) => `project:${String((request.body as { projectId?: unknown })?.projectId)}`,
      }),
    },
    async (request, reply) => {
      const parsed = registrationSchema.safeParse(request.body);
      if (!parsed.success) {
        const { formErrors, fieldErrors } = z.flattenError(parsed.error);
        return sendError(reply, 400, "validation_failed", formErrors[0] ?? "The registration is not valid.", {
          fieldErrors: fieldErrors as Record<string, string[]>,
        });
      }
      const rawKey = request.headers["idempotency-key"];
      const key = rawKey === undefined ? null : IDEMPOTENCY_KEY.safeParse(rawKey);
      if (key && !key.success) {
        return sendError(
          reply,
          400,
          "invalid_idempotency_key",
          "Idempotency-Key must be 1-255 printable characters.",
        );
      }
      // A bot filled the hidden field: look like a success so it learns nothing, store nothing.
      if (parsed.data[HONEYPOT_FIELD]) {
        return reply.code(201).send({ id: crypto.randomUUID() } satisfies RegistrationAccepted);
      }
      try {
        const registration = parsed.data;
        const project = await findProject(registration.projectId, registration.pageId ?? null);
        const accepted = await writer.write(
          prepareRegistration(registration, project, {
            lease: handOff?.lease() ?? null,
            userAgent: request.headers["user-agent"]?.slice(0, 1000) ?? null,
            idempotencyKey: key?.data ?? null,
            origin: request.headers.origin ?? null,
          }),
        );
        if (accepted.deliveries.length > 0) handOff?.adopt(accepted.deliveries);
        if (accepted.replayed) reply.header("idempotent-replayed", "true");
        return reply.code(201).send({ id: accepted.contactId } satisfies RegistrationAccepted);
      } catch (error) {
        if (error instanceof RegistrationRejected) {
          return sendError(reply, error.statusCode, error.error, error.message);
        }
        throw error;
      }
    },
  );
}

function sendError(
  reply: FastifyReply,
  statusCode: number,
  error: string,
  message: string,
  extra?: Pick<ApiError, "fieldErrors">,
) {
  return reply.code(statusCode).send({ statusCode, error, message, ...extra } satisfies ApiError);
}

/** Fastify's own 4xx (body too large, bad JSON, wrong content type, rate limited) as stable names. */
function fastifyErrorName(error: FastifyError): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return "body_too_large";
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return "unsupported_media_type";
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_INVALID_JSON_BODY":
      return "invalid_json";
    default:
      return error.statusCode === 429 ? "rate_limited" : "bad_request";
  }
}
