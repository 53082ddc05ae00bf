// Layer rules for the server (and the import-free retry presets), checked in CI beside dpdm's cycle
// check: `pnpm check:layers`. Each rule says which lower layer must not reach up into which higher one.
const server = "^apps/server/src/";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "config-below-http",
      comment: "Configuration is parsed before anything runs: it imports no HTTP layer, service or route.",
      severity: "error",
      from: { path: `${server}config\\.ts$` },
      to: { path: `${server}(http|services|routes)/` },
    },
    {
      name: "context-below-services",
      comment: "The request context is built for every procedure: it imports no service.",
      severity: "error",
      from: { path: `${server}context\\.ts$` },
      to: { path: `${server}services/` },
    },
    {
      name: "delivery-below-api",
      comment: "The delivery worker runs without the API: it imports no route, router, service or intake.",
      severity: "error",
      from: { path: `${server}delivery/` },
      to: { path: `${server}(routes|routers|services|intake)/` },
    },
    {
      name: "db-at-the-bottom",
      comment: "The database layer serves everything above it and imports none of it.",
      severity: "error",
      from: { path: `${server}db/` },
      to: { path: `${server}(services|delivery)/` },
    },
    {
      name: "retry-presets-import-nothing",
      comment: "Plain data for browser bundles (the dashboard, through @genie/schemas).",
      severity: "error",
      from: { path: "^packages/webhook-core/src/retry-presets\\.ts$" },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(node_modules|generated)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: { extensions: [".ts", ".tsx", ".js", ".mjs", ".json"] },
  },
};
