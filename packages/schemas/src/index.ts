// The contract between server, dashboard and form SDK. One file per domain; this index only re-exports.
export * from "./registration";
export * from "./webhook";
