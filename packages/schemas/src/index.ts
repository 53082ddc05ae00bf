// The contract between server, dashboard and form SDK. One file per domain; this index only re-exports.
export * from "./accounts";
export * from "./contacts";
export * from "./endpoint-options";
export * from "./endpoints";
export * from "./funnels";
export * from "./logs";
export * from "./registration";
export * from "./stats";
export * from "./webhook";
