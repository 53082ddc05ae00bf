// The delivery log on a large account: 100,000 deliveries (with contacts and attempts) on PostgreSQL.
// Every list and filter shape of deliveries.list, and deliveries.byId, is called through the tRPC
// caller; the SQL each sends is captured and EXPLAINed, and the run fails when a plan reads one of the
// big tables without an index (a Seq Scan on webhook_deliveries, webhook_logs or contacts). Then each
// shape is timed. Usage:
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @genie/server bench:delivery-log
// It creates a fresh database on that server and drops it afterwards. Bounded: ROWS rows, RUNS calls each.
import type { DeliveryListInput } from "@genie/schemas";
import { createContextInner } from "../src/context";
import { type Database, openDatabase } from "../src/db";
import { appRouter } from "../src/routers/_app";
import { createCallerFactory } from "../src/trpc";
import { runAdminStatement, TEST_ENCRYPTION_KEY } from "../test/support/databases";

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(process.env.BENCH_DELIVERY_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);
const BIG_TABLES = ["webhook_deliveries", "webhook_logs", "contacts"];

type Plan = { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: Plan[] };

function walk(plan: Plan, visit: (node: Plan) => void) {
  visit(plan);
  for (const child of plan.Plans ?? []) walk(child, visit);
}

async function main() {
  const name = `genie_bench_delivery_log_${Date.now()}`;
  await runAdminStatement(ADMIN_URL, `CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({
    kind: "postgres",
    url: url.toString(),
    encryption: { key: TEST_ENCRYPTION_KEY, oldKeys: [] },
  });
  try {
    const started = performance.now();
    const [owner] = await db.sql.query<{ id: string }>(
      "INSERT INTO users (name, email) VALUES ('Bench', 'bench@example.com'), ('Other', 'other@example.com') RETURNING id::text",
    );
    if (!owner) throw new Error("seeding failed");
    await db.sql.exec(`
      INSERT INTO webhook_endpoints (user_id, name, url, secret)
      SELECT u.id, 'Endpoint ' || g, 'https://crm' || g || '.example.com/hook', 'whsec_bench'
      FROM users u, generate_series(1, 4) g;
      INSERT INTO funnel_projects (user_id, name) SELECT id, 'Bench' FROM users;
      INSERT INTO contacts (user_id, funnel_project_id, email, created_at)
      SELECT p.user_id, p.id, 'lead' || g || '@example.com', now() - g * interval '1 minute'
      FROM funnel_projects p, generate_series(1, ${Math.ceil(ROWS / 4)}) g;`);
    // Two deliveries per contact for the measured account (90% of the rows), the rest for a neighbour.
    await db.sql.exec(`
      INSERT INTO webhook_deliveries (user_id, endpoint_id, contact_id, event_id, event_type, body, status,
        attempt_count, last_status_code, last_error, created_at, completed_at)
      SELECT c.user_id, e.id, c.id, 'evt_' || c.id || '_' || e.id, 'registration.submitted', '{}',
        (CASE WHEN g % 10 = 0 THEN 'failed' WHEN g % 10 = 1 THEN 'pending' ELSE 'succeeded' END)::delivery_status,
        CASE WHEN g % 10 = 1 THEN 0 ELSE 1 END,
        CASE WHEN g % 10 = 0 THEN 503 WHEN g % 10 = 1 THEN NULL ELSE 200 END,
        CASE WHEN g % 10 = 0 THEN 'receiver answered 503' END,
        c.created_at, CASE WHEN g % 10 <> 1 THEN c.created_at END
      FROM (SELECT c.*, row_number() OVER () AS g FROM contacts c) c
      JOIN LATERAL (SELECT id FROM webhook_endpoints WHERE user_id = c.user_id ORDER BY id LIMIT 2) e ON true;
      INSERT INTO webhook_logs (user_id, delivery_id, endpoint_id, event_type, webhook_url, status_code, success,
        attempt_number, duration_ms, created_at)
      SELECT d.user_id, d.id, d.endpoint_id, d.event_type, 'https://crm.example.com/hook', d.last_status_code,
        d.status = 'succeeded', 1, 40, d.created_at
      FROM webhook_deliveries d WHERE d.status <> 'pending';
      ANALYZE;`);
    const [{ deliveries = 0 } = {}] = await db.sql.query<{ deliveries: number }>(
      "SELECT count(*)::int AS deliveries FROM webhook_deliveries",
    );
    const [endpoint] = await db.sql.query<{ id: string }>(
      "SELECT id::text FROM webhook_endpoints WHERE user_id = $1::uuid ORDER BY id LIMIT 1",
      [owner.id],
    );
    const [sample] = await db.sql.query<{ id: string; event_id: string; contact_id: string; email: string }>(
      `SELECT d.id::text, d.event_id, d.contact_id::text, c.email FROM webhook_deliveries d
       JOIN contacts c ON c.id = d.contact_id WHERE d.user_id = $1::uuid ORDER BY d.created_at LIMIT 1 OFFSET 5000`,
      [owner.id],
    );
    if (!endpoint || !sample) throw new Error("seeding failed");
    const fillSeconds = (performance.now() - started) / 1000;

    const captured: { text: string; params: unknown[] }[] = [];
    const recording: Database = {
      ...db,
      sql: {
        ...db.sql,
        query: (text, params) => {
          captured.push({ text, params: params ?? [] });
          return db.sql.query(text, params);
        },
      },
    };
    const caller = createCallerFactory(appRouter)(
      createContextInner({ db: recording, session: { userId: owner.id } }),
    );
    const first = await caller.deliveries.list({});
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const cases: [string, DeliveryListInput | { byId: string }][] = [
      ["first page (25)", {}],
      ["next page (keyset)", { cursor: first.nextCursor ?? undefined }],
      ["state failed", { state: "failed" }],
      ["state retrying (rare)", { state: "retrying" }],
      ["status class 5xx", { statusClass: "5xx" }],
      ["status class network (none match)", { statusClass: "network" }],
      ["endpoint", { endpointId: endpoint.id }],
      ["event type", { eventType: "registration.submitted" }],
      ["last 7 days, failed", { from: weekAgo, state: "failed" }],
      ["search by contact email", { search: sample.email.toUpperCase() }],
      ["search by event id", { search: sample.event_id }],
      ["one contact's deliveries", { contactId: sample.contact_id }],
      ["deliveries.byId", { byId: sample.id }],
    ];
    const call = (input: DeliveryListInput | { byId: string }) =>
      "byId" in input ? caller.deliveries.byId({ id: input.byId }) : caller.deliveries.list(input);

    console.log(
      `delivery log benchmark: ${deliveries.toLocaleString("en")} deliveries (filled in ${fillSeconds.toFixed(0)} s), ${RUNS} calls each, PostgreSQL`,
    );
    console.log("| case | indexes used | p50 ms | p95 ms |");
    console.log("|---|---|---|---|");
    const unindexed: string[] = [];
    for (const [label, input] of cases) {
      captured.length = 0;
      await call(input);
      const indexes = new Set<string>();
      for (const { text, params } of captured) {
        const [row] = await db.sql.query<{ "QUERY PLAN": [{ Plan: Plan }] }>(
          `EXPLAIN (FORMAT JSON) ${text}`,
          params,
        );
        const plan = row?.["QUERY PLAN"][0]?.Plan;
        if (!plan) continue;
        walk(plan, (node) => {
          if (node["Index Name"]) indexes.add(node["Index Name"]);
          if (node["Node Type"] === "Seq Scan" && BIG_TABLES.includes(node["Relation Name"] ?? "")) {
            unindexed.push(`${label}: Seq Scan on ${node["Relation Name"]}`);
          }
        });
      }
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t = performance.now();
        await call(input);
        times.push(performance.now() - t);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
      console.log(
        `| ${label} | ${[...indexes].join(", ")} | ${at(0.5).toFixed(2)} | ${at(0.95).toFixed(2)} |`,
      );
    }
    if (unindexed.length > 0) {
      console.error(`Queries that read a big table without an index:\n  ${unindexed.join("\n  ")}`);
      process.exitCode = 1;
    } else {
      console.log("Every list and filter query uses an index (no Seq Scan on deliveries, logs or contacts).");
    }
  } finally {
    await db.close();
    await runAdminStatement(ADMIN_URL, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
