import cors, { type FastifyCorsOptions } from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import { fieldErrorsOf, HONEYPOT_FIELD, type RegistrationView, registrationSchema } from "@genie/schemas";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { SqlRunner } from "../db";
import type { DeliveryHandOff } from "../delivery/contract";
import { AppError } from "../errors";
import { cachedProjectLookup, findEnabledProject, prepareRegistration } from "../intake/accept";
import { createRegistrationWriter, type GroupCommitOptions } from "../intake/group-commit";
import { type Metrics, timeStage } from "../metrics";
import { reasonOf, strictJsonParser } from "./errors";

export type IntakeOptions = {
  sql: SqlRunner;
  /**
   * The delivery worker of this process, if any: when it has a free slot, new deliveries are leased
   * to it in the statement that stores them and run right after the commit (no claim query).
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
  /** Counts registrations accepted and refused (by reason). */
  metrics?: Metrics;
};

/** The reason each refused request's answer names, for the refusal counter. */
const refusals = new WeakMap<object, string>();

/** A registration is a few hundred bytes; anything near this is a mistake or an attack. */
const BODY_LIMIT = 16 * 1024;
const IDEMPOTENCY_KEY = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

declare module "fastify" {
  interface FastifyContextConfig {
    /** A route's own CORS options, which @fastify/cors reads (its README, per route); its types omit it. */
    cors?: FastifyCorsOptions | false;
  }
}

/** What funnel pages on any origin may do with `/api/contacts`, and which answers' headers they may read. */
const CONTACTS_CORS: FastifyCorsOptions = {
  origin: true,
  methods: ["POST"],
  allowedHeaders: ["content-type", "idempotency-key"],
  exposedHeaders: ["retry-after", "idempotent-replayed"],
  maxAge: 86_400,
};

/**
 * `POST /api/contacts`: the public registration intake used by the form SDK and by anyone posting
 * JSON. Every refusal is a JSON ApiError (see routes/errors.ts) with a message that says what is wrong,
 * and stores nothing.
 */
export async function intakeRoutes(app: FastifyInstance, options: IntakeOptions) {
  const { sql, handOff } = options;
  const projectCacheMs = options.projectCacheMs ?? 1000;
  const findProject =
    projectCacheMs > 0
      ? cachedProjectLookup(sql, projectCacheMs)
      : (projectId: string, pageId: string | null) => findEnabledProject(sql, projectId, pageId);
  const writer = createRegistrationWriter(sql, options.groupCommit);

  // Only JSON, and only UTF-8: a form post or text body is refused with 415 rather than half-understood.
  app.removeContentTypeParser(["text/plain", "application/json"]);
  const parseJson = strictJsonParser(app);
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (request, body, done) => {
    const started = performance.now();
    parseJson(request, body as Buffer, (error, value) => {
      timeStage("parse", started);
      done(error, value);
    });
  });
  const { metrics } = options;
  if (metrics) {
    // Every answer of the intake counted once, refusals by the reason their body names.
    app.addHook("onError", async (request, _reply, error) => {
      refusals.set(request, reasonOf(error));
    });
    app.addHook("onResponse", async (request, reply) => {
      if (request.routeOptions.url !== "/api/contacts" || request.method !== "POST") return;
      if (reply.statusCode < 300) metrics.registrationsAccepted.inc();
      else metrics.registrationsRefused.inc({ reason: refusals.get(request) ?? `http_${reply.statusCode}` });
    });
  }
  // Browsers on any funnel page may post registrations; the project's own allow-list is checked per
  // request, once the body says which project it is (a preflight cannot carry that). CORS is off for
  // every route but the intake's two, which turn it on in their config: every other path (the
  // dashboard's API, sign-in) gets no CORS headers, and its preflight reaches @fastify/cors's
  // catch-all `OPTIONS *` route, a 404. (Options given once are normalised once: a delegator had
  // them normalised again on every request of every route, ~2 % of the intake's CPU.)
  await app.register(cors, { origin: false });
  await app.register(rateLimit, { global: false });

  // The preflight: @fastify/cors answers it in its onRequest hook, so the handler never runs.
  app.options("/api/contacts", { config: { cors: CONTACTS_CORS } }, (_request, reply) =>
    reply.callNotFound(),
  );
  app.post<{ Body: unknown }>(
    "/api/contacts",
    {
      config: { cors: CONTACTS_CORS },
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
      const validating = performance.now();
      const parsed = registrationSchema.safeParse(request.body);
      timeStage("validate", validating);
      if (!parsed.success) {
        const { formErrors, fieldErrors } = fieldErrorsOf(parsed.error);
        throw new AppError("BAD_REQUEST", {
          reason: "validation_failed",
          userMessage: formErrors[0] ?? "The registration is not valid: see fieldErrors.",
          fieldErrors,
        });
      }
      const rawKey = request.headers["idempotency-key"];
      const key = rawKey === undefined ? null : IDEMPOTENCY_KEY.safeParse(rawKey);
      if (key && !key.success) {
        throw new AppError("BAD_REQUEST", {
          reason: "invalid_idempotency_key",
          userMessage: "Idempotency-Key must be 1-255 printable characters.",
        });
      }
      // A bot filled the hidden field: look like a success so it learns nothing, store nothing.
      if (parsed.data[HONEYPOT_FIELD]) {
        return reply.code(201).send({ id: crypto.randomUUID() } satisfies RegistrationView);
      }
      const registration = parsed.data;
      const project = await findProject(registration.projectId, registration.pageId ?? null);
      // Reserved only now, after every check that can refuse, and given back in every case below.
      const reservation = handOff?.reserve() ?? null;
      try {
        const building = performance.now();
        const prepared = prepareRegistration(registration, project, {
          lease: reservation,
          userAgent: request.headers["user-agent"]?.slice(0, 1000) ?? null,
          idempotencyKey: key?.data ?? null,
          origin: request.headers.origin ?? null,
        });
        timeStage("build", building);
        const accepted = await writer.write(prepared);
        reservation?.adopt(accepted.deliveries);
        if (accepted.replayed) reply.header("idempotent-replayed", "true");
        return reply.code(201).send({ id: accepted.contactId } satisfies RegistrationView);
      } finally {
        reservation?.release();
      }
    },
  );
}
