// @genie/webhook-core: sign, verify and deliver webhooks (Node entry). Edge runtimes verify with
// `@genie/webhook-core/web`. Each export is documented where it is defined.
export * from "./errors";
export { SECRET_PREFIX } from "./key";
export type { HeadersLike, RawBody, VerifiedWebhook, VerifierOptions } from "./parse";
export { type IncomingMessageOptions, verifyIncomingMessage, verifyRequest } from "./receive";
export type { ReadBodyOptions, VerifiedRequest } from "./request";
export * from "./retry";
export { generateSecret } from "./secret";
export { type DeliverOnceInput, deliverOnce, GENIE_USER_AGENT } from "./send";
export { type SendWebhookOptions, type SendWebhookResult, sendWebhook } from "./send-webhook";
export { type SignatureScheme, type SignInput, signWebhook } from "./sign";
export {
  addressRefusal,
  assertUrlAllowed,
  createSsrfGuardedAgent,
  type Resolver,
  type SsrfGuardedAgentOptions,
  type SsrfGuardOptions,
} from "./ssrf";
export type { AttemptFacts, DeliveryAttempt, DeliveryErrorKind, DeliveryResult, Outcome } from "./types";
export { createWebhookVerifier, verifyHexSignature, verifyWebhook, type WebhookVerifier } from "./verify";
