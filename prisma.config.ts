// Prisma CLI configuration. The CLI runs on its WASM schema engine through a driver adapter (no native
// engine download): PostgreSQL when DATABASE_URL is set, else the embedded PGlite database under
// GENIE_DATA_DIR, the same choice the server makes at start (apps/server/src/db).
// Run the CLI through `pnpm db:*` (scripts/prisma.mjs), which sets the environment it needs.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { defineConfig } from "prisma/config";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (url) {
      // Separate fields, not connectionString: with a connection string the shadow database
      // resolves to the main one (P3006).
      const parsed = new URL(url);
      return new PrismaPg({
        host: parsed.hostname,
        port: Number(parsed.port || 5432),
        user: decodeURIComponent(parsed.username) || undefined,
        password: decodeURIComponent(parsed.password) || undefined,
        database: parsed.pathname.slice(1),
      });
    }
    const dataDir = path.resolve(process.env.GENIE_DATA_DIR ?? ".genie", "pglite");
    // PGlite creates its own folder but not the parents; a fresh clone has neither.
    mkdirSync(path.dirname(dataDir), { recursive: true });
    // biome-ignore lint/suspicious/noExplicitAny: pglite-prisma-adapter's types lag Prisma 6.19.
    return new PrismaPGlite(new PGlite(dataDir)) as any;
  },
});
