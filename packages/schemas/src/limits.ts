// Plain limits and names of the contract, without zod: the form SDK's browser script imports this
// module (and text.ts) and stays free of a validation library. The zod schemas use the same values.

/** Longest URL accepted anywhere (page URLs, referrers, endpoint URLs). */
export const MAX_URL_LENGTH = 2048;
/** The longest email address (RFC 5321's path limit). */
export const MAX_EMAIL_LENGTH = 254;

/** Each UTM value of a registration, and the honeypot, in characters. */
export const MAX_TEXT_LENGTH = 500;
/** A registration's visitor id, in characters. */
export const MAX_VISITOR_ID_LENGTH = 128;
/** A custom field's text value (and an ad click id), in characters. */
export const MAX_FIELD_VALUE_LENGTH = 2000;

/** What a registration's text fields may hold at most, in characters. */
export const REGISTRATION_LIMITS = {
  name: 200,
  visitorId: MAX_VISITOR_ID_LENGTH,
  /** Each UTM value, and the honeypot. */
  text: MAX_TEXT_LENGTH,
  customFieldValue: MAX_FIELD_VALUE_LENGTH,
  customFields: 50,
  /** A phone number as typed (spaces, dashes, brackets and an extension included), before E.164. */
  phone: 40,
  /** The consent text shown beside the checkbox. */
  consentText: 2000,
} as const;

/** Custom form field names: identifiers (this also keeps `__proto__` and friends out). */
export const CUSTOM_FIELD_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** The name of the hidden honeypot input: people leave it empty, form-filling bots do not. */
export const HONEYPOT_FIELD = "_hp";

/** NIST 800-63B: at least 8 characters, and long passphrases allowed. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export const MAX_CUSTOM_HEADERS = 10;

/** Headers that make a request verifiable or well-formed: an endpoint's own headers cannot replace them. */
export const RESERVED_HEADER_NAMES = [
  "content-type",
  "content-length",
  "host",
  "user-agent",
  "webhook-id",
  "webhook-timestamp",
  "webhook-signature",
  "x-webhook-signature",
] as const;

/**
 * Headers about one connection rather than the request (RFC 9110 §7.6.1, plus `Expect` and the
 * `Proxy-*` family): the HTTP client sets or refuses them itself, so as an endpoint's own header
 * they would make every attempt fail.
 */
export const HOP_BY_HOP_HEADER_NAMES = [
  "connection",
  "keep-alive",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "http2-settings",
] as const;

/** The event types an endpoint may subscribe to (`eventTypes`). */
export const SUBSCRIBABLE_EVENTS = ["registration.submitted", "contact.deleted"] as const;
export type SubscribableEvent = (typeof SUBSCRIBABLE_EVENTS)[number];
/**
 * What an endpoint whose `eventTypes` is null receives. Event types added later are not in it: an
 * endpoint receives them only when its list names them, so nobody's CRM gets a new kind of webhook
 * it was not built for. (`webhook.test`, from the test button, is always allowed.)
 */
export const DEFAULT_EVENTS: readonly SubscribableEvent[] = ["registration.submitted"];

/** The body shapes an endpoint can receive: the spec's nested JSON, or flat snake_case keys. */
export const PAYLOAD_FORMATS = ["nested", "flat"] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];
