// @genie/webhook-core: sign, verify and deliver webhooks. Each module is documented where it is defined.
export * from "./errors";
export * from "./retry";
export { generateSecret, SECRET_PREFIX } from "./secret";
export { type DeliverOnceInput, type DeliveryResult, deliverOnce, errorKind, GENIE_USER_AGENT } from "./send";
export { type SignInput, signHex, signStandard, signWebhook } from "./sign";
export { addressRefusal, assertUrlAllowed, createSsrfGuardedAgent, type SsrfGuardOptions } from "./ssrf";
