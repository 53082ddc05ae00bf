import { z } from "zod";
import { API_KEY_SCOPES } from "./api-key-scopes";
import { storableText, timestampSchema } from "./common";

/** apiKeys.create: a name to recognise the key by, and what it may do. */
export const apiKeyCreateSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .max(100, "must be at most 100 characters")
    .check(storableText),
  scope: z.enum(API_KEY_SCOPES, { error: "must be read or write" }),
});
export type ApiKeyCreateInput = z.input<typeof apiKeyCreateSchema>;
export type ApiKeyCreate = z.output<typeof apiKeyCreateSchema>;

/** A key as listed: its visible prefix (`gk_<id>_`), never its secret. */
export const apiKeySchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: z.enum(API_KEY_SCOPES),
  prefix: z.string(),
  createdAt: timestampSchema,
  lastUsedAt: timestampSchema.nullable(),
});
export type ApiKeyView = z.input<typeof apiKeySchema>;

/** apiKeys.create's answer: the only response that carries the whole key. */
export const apiKeyCreatedSchema = z.object({ apiKey: apiKeySchema, key: z.string() });
