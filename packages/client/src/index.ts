import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  splitLink,
  TRPCClientError,
  type TRPCLink,
} from "@trpc/client";
import type {
  inferRouterInputs,
  inferRouterOutputs,
  TRPCBuiltRouter,
  TRPCMutationProcedure,
  TRPCQueryProcedure,
  TRPCSubscriptionProcedure,
} from "@trpc/server";
import { observable } from "@trpc/server/observable";
import type { Procedures } from "./procedures.generated";

export type { Procedures } from "./procedures.generated";

/** What the server adds to every refusal: `reason` is the stable machine name to branch on. */
export type GenieErrorData = {
  /** tRPC's code, such as `UNAUTHORIZED`, `FORBIDDEN`, `NOT_FOUND`, `BAD_REQUEST`, `TOO_MANY_REQUESTS`. */
  code: string;
  httpStatus: number;
  path?: string;
  /**
   * The stable reason: `unauthorized`, `api_key_read_only`, `api_key_not_allowed`, `validation_failed`,
   * `rate_limited`, `not_found`, `idempotency_key_reused`, `internal_error`, ... Messages may change;
   * reasons do not.
   */
  reason: string;
  /** For `validation_failed`: what is wrong with which input field. */
  fieldErrors: Record<string, string[]> | null;
};

/** The error shape of the Genie API (its tRPC errorFormatter's answer). */
export type GenieErrorShape = { message: string; code: number; data: GenieErrorData };

type RouterRecordOf<T> = {
  [K in keyof T]: T[K] extends { kind: "query"; input: infer I; output: infer O }
    ? TRPCQueryProcedure<{ input: I; output: O; meta: object }>
    : T[K] extends { kind: "mutation"; input: infer I; output: infer O }
      ? TRPCMutationProcedure<{ input: I; output: O; meta: object }>
      : T[K] extends { kind: "subscription"; input: infer I; output: infer O }
        ? TRPCSubscriptionProcedure<{ input: I; output: O; meta: object }>
        : RouterRecordOf<T[K]>;
};

/**
 * The Genie API's router as a client sees it: every procedure's input and output, without the
 * server's context (its database client and the rest stay on the server).
 */
export type GenieRouter = TRPCBuiltRouter<
  { ctx: object; meta: object; errorShape: GenieErrorShape; transformer: false },
  RouterRecordOf<Procedures>
>;

/**
 * Every refusal and failure of a call: the server's `reason`, HTTP status and field errors, or
 * `reason: "network_error"` when no answer arrived.
 * @example
 * try { await genie.funnels.create.mutate({ name: "Launch" }); }
 * catch (error) { if (isGenieError(error) && error.reason === "api_key_read_only") … }
 */
export class GenieError extends TRPCClientError<GenieRouter> {
  override name = "GenieError";
  /** The stable machine name of what went wrong (see GenieErrorData.reason). */
  readonly reason: string;
  /** The HTTP status of the answer, or 0 when none arrived. */
  readonly status: number;
  /** Per input field, what is wrong (validation_failed), else null. */
  readonly fieldErrors: Record<string, string[]> | null;

  constructor(cause: TRPCClientError<GenieRouter>) {
    super(cause.message, { result: cause.shape ? { error: cause.shape } : undefined, cause });
    // TRPCClientError's constructor resets the prototype to its own: restore ours for instanceof.
    Object.setPrototypeOf(this, new.target.prototype);
    const data = cause.data as Partial<GenieErrorData> | undefined;
    this.reason = data?.reason ?? (data?.code ? data.code.toLowerCase() : "network_error");
    this.status = data?.httpStatus ?? 0;
    this.fieldErrors = data?.fieldErrors ?? null;
  }
}

/** Whether `error` is a GenieError; also across realms and package copies, where instanceof is not. */
export function isGenieError(error: unknown): error is GenieError {
  return error instanceof GenieError || (error as { name?: unknown } | null)?.name === "GenieError";
}

/** Passes answers through and turns every error into a GenieError. */
const genieErrors: TRPCLink<GenieRouter> = () => {
  return ({ next, op }) =>
    observable((observer) =>
      next(op).subscribe({
        next: (value) => observer.next(value),
        complete: () => observer.complete(),
        error: (error) => observer.error(isGenieError(error) ? error : new GenieError(error)),
      }),
    );
};

export type GenieClientOptions = {
  /** Where Genie is reached, such as `https://genie.example.com` (its `/trpc` is added). */
  baseUrl: string;
  /** An API key from the dashboard's account page (`gk_…`): `read` for queries, `write` for changes. */
  apiKey: string;
  /** The fetch to use (a proxy-aware one, a test double). @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
};

/** Per call: `{ context: { idempotencyKey: "…" } }` on a create makes a repeat answer the first result. */
export type GenieCallContext = { idempotencyKey?: string };

/**
 * A typed client of the Genie API: `genie.<group>.<procedure>.query(input)` for queries,
 * `.mutate(input)` for changes, the same procedures the dashboard calls. Calls made together are sent
 * in one HTTP request. For servers, scripts and edge functions: a key is a secret, so never ship it
 * to a browser (Genie's `/trpc` answers no cross-origin request either).
 * @example
 * const genie = createGenieClient({ baseUrl: "https://genie.example.com", apiKey: process.env.GENIE_API_KEY! });
 * const funnel = await genie.funnels.create.mutate({ name: "Launch" }, { context: { idempotencyKey: "launch-funnel" } });
 */
export function createGenieClient(options: GenieClientOptions) {
  const url = `${options.baseUrl.replace(/\/+$/, "")}/trpc`;
  const authorization = { authorization: `Bearer ${options.apiKey}` };
  const fetchOption = options.fetch && { fetch: options.fetch };
  return createTRPCClient<GenieRouter>({
    links: [
      genieErrors,
      splitLink({
        // The Idempotency-Key header belongs to one call, so such calls travel alone.
        condition: (op) => typeof (op.context as GenieCallContext).idempotencyKey === "string",
        true: httpLink({
          url,
          ...fetchOption,
          headers: ({ op }) => ({
            ...authorization,
            "idempotency-key": (op.context as GenieCallContext).idempotencyKey as string,
          }),
        }),
        false: httpBatchLink({ url, ...fetchOption, headers: () => authorization }),
      }),
    ],
  });
}

/** The client createGenieClient returns. */
export type GenieClient = ReturnType<typeof createGenieClient>;

/** What each procedure takes: `GenieInputs["endpoints"]["create"]`. */
export type GenieInputs = inferRouterInputs<GenieRouter>;
/** What each procedure answers: `GenieOutputs["logs"]["list"]`. */
export type GenieOutputs = inferRouterOutputs<GenieRouter>;
