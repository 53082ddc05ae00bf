import { randomBytes } from "node:crypto";
import { createSsrfGuardedAgent } from "@genie/webhook-core";
import { type AuthSettings, createAuth } from "../auth";
import type { Database } from "../db";
import type { DeliveryWaker } from "../delivery/contract";
import { createAccountLimits, type Limit, type LimitedOperation } from "../limits";
import { type AutoDisableOptions, startAutoDisable } from "./auto-disable";
import type { Outbound } from "./outbound";

/** What the dashboard API of one server needs beyond the database. */
export type ApiOptions = {
  /**
   * Sign-in settings. Without them sessions are signed with a random secret of this process only,
   * so they end with it: main.ts passes `authSecretOf(config)` (auth/secret.ts).
   */
  auth?: Partial<AuthSettings>;
  /** The delivery worker of this process, told about redeliveries. */
  worker?: DeliveryWaker;
  /** SSRF allow-list and timeout of test sends (config.delivery). @default nothing internal, 15 s */
  outbound?: { ssrfAllow: string[]; timeoutMs: number };
  /** The address browsers reach this server at, for embed snippets. @default the request's own */
  publicUrl?: string;
  /** Disabling endpoints that fail every delivery for a span; `false` turns it off. @default 72 h, checked every 5 min */
  autoDisable?: AutoDisableOptions | false;
  /** Per-account limits of expensive procedures, per process. @default DEFAULT_ACCOUNT_LIMITS */
  limits?: Partial<Record<LimitedOperation, Limit>>;
};

/** Test sends wait for the receiver at most this long, whatever the worker's timeout. */
const MAX_TEST_SEND_MS = 15_000;

/** Builds the auth handler and the context options of the tRPC API; `close()` frees the test-send pool. */
export function createApi(db: Database, options: ApiOptions = {}) {
  const auth = createAuth(db.prisma, {
    ...options.auth,
    secret: options.auth?.secret ?? randomBytes(32).toString("base64"),
    ...(options.publicUrl && { publicUrl: options.publicUrl }),
  });
  const limits = createAccountLimits(options.limits);
  const ssrfAllow = options.outbound?.ssrfAllow ?? [];
  const agent = createSsrfGuardedAgent({ allow: ssrfAllow });
  const outbound: Outbound = {
    ssrfAllow,
    timeoutMs: Math.min(options.outbound?.timeoutMs ?? MAX_TEST_SEND_MS, MAX_TEST_SEND_MS),
    agent,
  };
  const autoDisable = options.autoDisable === false ? null : startAutoDisable(db.sql, options.autoDisable);
  return {
    auth,
    context: {
      auth,
      outbound,
      limits,
      ...(options.worker && { worker: options.worker }),
      ...(options.publicUrl && { publicUrl: options.publicUrl }),
    },
    async close() {
      autoDisable?.stop();
      await agent.close();
    },
  };
}
