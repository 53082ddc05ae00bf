// The contract between server, dashboard and form SDK: one file per subject, this index only
// re-exports. Naming rule for types, everywhere in this package:
//   XInput  what a caller sends          z.input of an input schema (defaults optional, dates as strings)
//   X       the same, once parsed        z.output of an input schema (what services receive)
//   XView   what the server answers      z.input of an output schema (Dates; clients see ISO strings)
// Queries that filter a list are `XQuery` (parsed) and `XListInput`. Schemas are `xSchema`.
// `limits.ts`, `text.ts`, `embed.ts`, `endpoint-options.ts` and `delivery-options.ts` import no zod: the browser SDK and the dashboard's
// first page take their limits and choices from them without loading the schema library.
export * from "./account-mail";
export * from "./accounts";
export * from "./api-key-scopes";
export * from "./api-keys";
export * from "./common";
export * from "./contacts";
export * from "./deliveries";
export * from "./delivery-options";
export * from "./embed";
export * from "./endpoint-options";
export * from "./endpoints";
export * from "./funnels";
export * from "./limits";
export * from "./registration";
export * from "./stats";
export * from "./text";
export * from "./webhooks";
