// Bytes per registration, per table, for N registrations to one endpoint whose first attempt
// succeeds: first the steady state (how much the database grows over a second batch of N once a plain
// VACUUM has run after the first, as a running database reuses the space its updates free), then the
// rows compacted, then after a retention pass that finds everything old. Loopback only; bounded.
// Usage:
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @genie/server bench:storage
// BENCH_KEEP_DATABASE=1 keeps the database afterwards, to look inside (pageinspect, EXPLAIN).
// BENCH_REGISTRATIONS sets N (default 10000: each relation grows by whole 8 KiB pages, so fewer rows
// would leave the figure a few dozen bytes to chance). It creates a fresh database there and drops it afterwards.
import { openDatabase } from "../src/db";
import { createDeliveryWorker } from "../src/delivery";
import { runRetention } from "../src/jobs/retention";
import { buildServer } from "../src/server";
import { runAdminStatement, TEST_ENCRYPTION_KEY } from "../test/support/databases";
import { seedAccount } from "../test/support/fixtures";
import { startReceiver, waitFor } from "../test/support/receiver";
import { sdkRegistrationBody } from "../test/support/sdk-registration";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
let N = Number(process.env.BENCH_REGISTRATIONS ?? 10000);
const TABLES = ["contacts", "webhook_deliveries", "webhook_logs"] as const;
const DAY = 86_400_000;

type Sizes = Record<(typeof TABLES)[number], { rows: number; data: number; indexes: number; disk: number }>;

/**
 * Per table: row bytes as stored (sum of pg_column_size of each row), index bytes, and the whole
 * relation on disk. Compacted first (VACUUM FULL rewrites table and indexes), so earlier churn
 * (updates, deletes) does not count and the on-disk size compares with a freshly filled table's.
 */
async function sizes(sql: Awaited<ReturnType<typeof openDatabase>>["sql"]): Promise<Sizes> {
  const result = {} as Sizes;
  for (const table of TABLES) {
    await sql.exec(`VACUUM FULL ${table}`);
    const [row] = await sql.query<{ rows: number; data: string; indexes: string; disk: string }>(
      `SELECT count(*)::int AS rows, coalesce(sum(pg_column_size(t.*)), 0)::text AS data,
         pg_indexes_size('${table}')::text AS indexes, pg_total_relation_size('${table}')::text AS disk
       FROM ${table} t`,
    );
    result[table] = {
      rows: row?.rows ?? 0,
      data: Number(row?.data),
      indexes: Number(row?.indexes),
      disk: Number(row?.disk),
    };
  }
  return result;
}

/** Each table's whole size on disk (heap, indexes, TOAST), as it is: nothing compacted. */
async function diskSizes(sql: Awaited<ReturnType<typeof openDatabase>>["sql"]) {
  const result = {} as Record<(typeof TABLES)[number], number>;
  for (const table of TABLES) {
    const [row] = await sql.query<{ disk: string }>(
      `SELECT pg_total_relation_size('${table}')::text AS disk`,
    );
    result[table] = Number(row?.disk);
  }
  return result;
}

/** Each heap, index and TOAST relation of the three tables, by name, with its size on disk. */
async function relationSizes(sql: Awaited<ReturnType<typeof openDatabase>>["sql"]) {
  const rows = await sql.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS size
     FROM pg_class c
     WHERE c.oid IN (SELECT t.oid FROM pg_class t WHERE t.relname = ANY($1::text[])
       UNION SELECT t.reltoastrelid FROM pg_class t WHERE t.relname = ANY($1::text[])
       UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
         WHERE t.relname = ANY($1::text[]))
     ORDER BY c.relname`,
    [TABLES],
  );
  return new Map(rows.map((row) => [row.name, Number(row.size)]));
}

function report(title: string, s: Sizes) {
  const per = (bytes: number) => (bytes / N).toFixed(0);
  console.log(`\n${title}`);
  console.log(
    "| table | rows | row bytes / reg. | index bytes / reg. | rows + indexes / reg. | on disk / reg. |",
  );
  console.log("|---|---|---|---|---|---|");
  let total = 0;
  let disk = 0;
  for (const table of TABLES) {
    const t = s[table];
    total += t.data + t.indexes;
    disk += t.disk;
    console.log(
      `| ${table} | ${t.rows} | ${per(t.data)} | ${per(t.indexes)} | ${per(t.data + t.indexes)} | ${per(t.disk)} |`,
    );
  }
  console.log(`| all three | | | | **${per(total)}** | **${per(disk)}** |`);
}

async function main() {
  const name = `genie_bench_storage_${Date.now()}`;
  await runAdminStatement(ADMIN_URL, `CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const receiver = await startReceiver();
  const db = await openDatabase({
    kind: "postgres",
    url: url.toString(),
    encryption: { key: TEST_ENCRYPTION_KEY, oldKeys: [] },
  });
  try {
    const account = await seedAccount(db.prisma, { endpointUrls: [receiver.url("/crm")] });
    // The registration's phone is a national US number, read with the project's default country.
    await db.prisma.funnelProject.update({
      where: { id: account.projectId },
      data: { defaultCountry: "US" },
    });
    const worker = createDeliveryWorker(db.workerSql, {
      ssrfAllow: ["127.0.0.1"],
      timeoutMs: 5000,
      pollIntervalMs: 100,
      maxInFlight: 64,
      maxInFlightPerEndpoint: 64,
    });
    worker.start();
    const app = await buildServer({
      db,
      intake: { handOff: worker, perClientPerMinute: 1e9, perProjectPerMinute: 1e9 },
    });
    const api = await app.listen({ port: 0, host: "127.0.0.1" });
    // What the form SDK sends from a real page (test/support/sdk-registration.ts): name, phone,
    // consent, five UTM values, a click id, first touch, landing page, page URL, referrer, visitor
    // id and two custom fields; each with its own email.
    let next = 0;
    const batch = async (first: number) => {
      next = first;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < first + N) {
            const i = next++;
            const response = await fetch(`${api}/api/contacts`, {
              method: "POST",
              headers: { "content-type": "application/json", "user-agent": "Mozilla/5.0 (bench)" },
              body: JSON.stringify(sdkRegistrationBody(account, { email: `visitor${i}@example.com` })),
            });
            if (response.status !== 201) throw new Error(`registration answered ${response.status}`);
          }
        }),
      );
      await waitFor(
        async () =>
          (await db.prisma.webhookDelivery.count({ where: { status: "succeeded" } })) === first + N
            ? true
            : undefined,
        300_000,
        "every delivery to succeed",
      );
    };
    await batch(0);
    for (const table of TABLES) await db.sql.exec(`VACUUM ${table}`);
    const before = await diskSizes(db.sql);
    const relationsBefore = await relationSizes(db.sql);
    await batch(N);
    const after = await diskSizes(db.sql);
    const relationsAfter = await relationSizes(db.sql);
    await app.close();
    await worker.stop(1000);
    console.log(`\nSteady state: growth over a second batch of ${N} after a VACUUM of the first`);
    console.log("| table | growth on disk / reg. (table + indexes + TOAST) |");
    console.log("|---|---|");
    let growth = 0;
    for (const table of TABLES) {
      growth += after[table] - before[table];
      console.log(`| ${table} | ${((after[table] - before[table]) / N).toFixed(0)} |`);
    }
    console.log(`| all three | **${(growth / N).toFixed(0)}** (goal <= 2048) |`);
    console.log("\n| relation | growth / reg. |");
    console.log("|---|---|");
    for (const [relation, size] of relationsAfter) {
      const grown = (size - (relationsBefore.get(relation) ?? 0)) / N;
      if (grown !== 0) console.log(`| ${relation} | ${grown.toFixed(0)} |`);
    }

    // Both batches from here on: the per-registration figures divide by 2N.
    N = 2 * N;
    report(`${N} registrations, one endpoint, one successful attempt each`, await sizes(db.sql));
    const removed = await runRetention(db.sql, { retentionDays: 30, now: new Date(Date.now() + 31 * DAY) });
    report(
      `after a retention pass 31 days later (removed ${removed.logs} logs, ${removed.bodies} bodies; contacts are kept)`,
      await sizes(db.sql),
    );
  } finally {
    await db.close();
    await receiver.close();
    if (!process.env.BENCH_KEEP_DATABASE)
      await runAdminStatement(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
  process.exit(0);
}

await main();
