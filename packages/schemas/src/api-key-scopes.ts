// No zod here: the dashboard's account page takes the choices from it without loading the schema library.

/** What an API key may do: `read` calls queries only, `write` queries and mutations. */
export const API_KEY_SCOPES = ["read", "write"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
