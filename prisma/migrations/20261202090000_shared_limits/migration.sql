-- Limits shared by every API process on one PostgreSQL (apps/server/src/limit-store.ts explains the
-- design). UNLOGGED: no write-ahead log for counters that change on every limited request; a crash of
-- PostgreSQL empties them, which only forgets the current minute's counts. Prisma cannot say UNLOGGED,
-- so schema.prisma models the two tables as plain ones and this file creates them.

-- Fixed-window counters: one row per limited key (a hash, never an email or an account id in clear).
CREATE UNLOGGED TABLE "limit_windows" (
    "key" TEXT NOT NULL,
    "count" INTEGER NOT NULL,
    "reset_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "limit_windows_pkey" PRIMARY KEY ("key")
);

-- "At most N at once": the leases held on a key, { lease id: expiry in epoch ms }, taken and given
-- back by one atomic statement each; a lease its process stopped renewing (a crash) simply expires.
CREATE UNLOGGED TABLE "limit_leases" (
    "key" TEXT NOT NULL,
    "holders" JSONB NOT NULL DEFAULT '{}',
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "limit_leases_pkey" PRIMARY KEY ("key")
);
