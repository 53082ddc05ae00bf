// logs.list on a large log: 1,000,000 webhook_logs rows on PostgreSQL, then the first page, a deep page
// with filters and a contact-email search, each called through the tRPC caller (validation and output
// parsing included) and beside a bare SQL baseline of the same first page. Usage:
//   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres pnpm --filter @genie/server bench:logs
// It creates a fresh database on that server and drops it afterwards. Bounded: ROWS rows, RUNS calls each.
import pg from "pg";
import { createContextInner } from "../src/context";
import { openDatabase } from "../src/db";
import { encodeCursor } from "../src/db/keyset";
import { appRouter } from "../src/routers/_app";
import { createCallerFactory } from "../src/trpc";
import { runAdminStatement, TEST_ENCRYPTION_KEY } from "../test/support/databases";

const TEST_KEYS = { key: TEST_ENCRYPTION_KEY, oldKeys: [] };

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(process.env.BENCH_LOG_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 300);
const GOAL_P95_MS = 25;

const admin = (sql: string) => runAdminStatement(ADMIN_URL, sql);

async function measure(run: () => Promise<unknown>) {
  for (let i = 0; i < 20; i++) await run(); // warm-up: plans, caches, JIT
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function main() {
  const name = `genie_bench_logs_${Date.now()}`;
  await admin(`CREATE DATABASE "${name}"`);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const db = await openDatabase({ kind: "postgres", url: url.toString(), encryption: TEST_KEYS });
  try {
    const fillStarted = performance.now();
    // The measured account holds 90% of the rows, a neighbour the rest (so user_id filtering is real).
    const [owner] = await db.sql.query<{ id: string }>(
      "INSERT INTO users (name, email) VALUES ('Bench', 'bench@example.com'), ('Other', 'other@example.com') RETURNING id::text",
    );
    const [other] = await db.sql.query<{ id: string }>(
      "SELECT id::text FROM users WHERE email = 'other@example.com'",
    );
    if (!owner || !other) throw new Error("seeding users failed");
    await db.sql.query(
      `INSERT INTO webhook_endpoints (user_id, url, secret)
       SELECT $1::uuid, 'https://crm' || g || '.example.com/hook', 'whsec_bench' FROM generate_series(1, 4) g`,
      [owner.id],
    );
    await db.sql.query(
      "INSERT INTO webhook_endpoints (user_id, url, secret) VALUES ($1::uuid, 'https://o.example.com/', 'whsec_o')",
      [other.id],
    );
    await db.sql.query("INSERT INTO funnel_projects (user_id, name) VALUES ($1::uuid, 'Bench')", [owner.id]);
    // 20,000 contacts with one delivery each; every log row belongs to one of those deliveries.
    await db.sql.exec(`
      INSERT INTO contacts (user_id, funnel_project_id, email, created_at)
      SELECT p.user_id, p.id, 'lead' || g || '@example.com', now() - g * interval '1 minute'
      FROM funnel_projects p, generate_series(1, 20000) g;
      INSERT INTO webhook_deliveries (user_id, endpoint_id, contact_id, event_id, event_type, body, status)
      SELECT c.user_id, (SELECT id FROM webhook_endpoints WHERE user_id = c.user_id ORDER BY id LIMIT 1),
             c.id, 'evt_' || c.id, 'registration.submitted', '{}', 'failed'
      FROM contacts c;`);
    await db.sql.query(
      `WITH e AS (SELECT array_agg(id ORDER BY id) AS ids FROM webhook_endpoints WHERE user_id = $1::uuid),
            d AS (SELECT array_agg(id ORDER BY id) AS ids FROM webhook_deliveries)
       INSERT INTO webhook_logs (user_id, delivery_id, endpoint_id, event_type, payload, webhook_url, status_code,
         success, attempt_number, duration_ms, created_at)
       SELECT CASE WHEN g % 10 = 0 THEN $2::uuid ELSE $1::uuid END,
              CASE WHEN g % 10 = 0 THEN NULL ELSE d.ids[1 + g % 20000] END,
              CASE WHEN g % 10 = 0 THEN NULL ELSE e.ids[1 + g % 4] END,
              CASE WHEN g % 50 = 0 THEN 'webhook.test' ELSE 'registration.submitted' END,
              '{"event":"registration.submitted"}', 'https://crm.example.com/hook',
              CASE WHEN g % 7 = 0 THEN 500 ELSE 200 END, g % 7 <> 0, 1 + g % 3, g % 900,
              now() - (g * 2.6) * interval '1 second'
       FROM generate_series(1, $3::int) g, e, d`,
      [owner.id, other.id, ROWS],
    );
    await db.sql.exec("ANALYZE");
    const fillSeconds = (performance.now() - fillStarted) / 1000;

    const caller = createCallerFactory(appRouter)(createContextInner({ db, session: { userId: owner.id } }));
    const [endpoint] = await db.sql.query<{ id: string }>(
      "SELECT id::text FROM webhook_endpoints WHERE user_id = $1::uuid ORDER BY id LIMIT 1 OFFSET 1",
      [owner.id],
    );
    // A cursor half-way down the account's log: what paging to page ~18,000 would reach.
    const [middle] = await db.sql.query<{ created_at: Date; id: string }>(
      `SELECT created_at, id::text FROM webhook_logs WHERE user_id = $1::uuid
       ORDER BY created_at DESC, id DESC OFFSET $2::int LIMIT 1`,
      [owner.id, Math.floor(ROWS * 0.45)],
    );
    if (!endpoint || !middle) throw new Error("seeding failed");
    const deepCursor = encodeCursor({ createdAt: new Date(middle.created_at), id: middle.id });
    const weekAgo = new Date(Date.now() - 7 * 86_400_000).toISOString();
    const monthAgo = new Date(Date.now() - 30 * 86_400_000).toISOString();

    const baselinePool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    const cases: [string, () => Promise<unknown>][] = [
      [
        "baseline: bare SQL first page (pg, same index)",
        () =>
          baselinePool.query(
            "SELECT id, created_at, success FROM webhook_logs WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 26",
            [owner.id],
          ),
      ],
      ["logs.list first page (25)", () => caller.logs.list({})],
      [
        "logs.list deep page (cursor at 45%), failed + endpoint + event type",
        () =>
          caller.logs.list({
            cursor: deepCursor,
            status: "failed",
            endpointId: endpoint.id,
            eventType: "registration.submitted",
          }),
      ],
      [
        "logs.list deep page, failed + date range (7-30 days ago)",
        () => caller.logs.list({ cursor: deepCursor, status: "failed", from: monthAgo, to: weekAgo }),
      ],
      ["logs.list contact email filter", () => caller.logs.list({ contactEmail: "lead777@example.com" })],
    ];
    console.log(
      `logs.list benchmark: ${ROWS.toLocaleString("en")} log rows (filled in ${fillSeconds.toFixed(0)} s), ${RUNS} calls each, PostgreSQL`,
    );
    console.log("| case | p50 ms | p95 ms | p99 ms | p95 goal |");
    console.log("|---|---|---|---|---|");
    let baselineP95 = Number.NaN;
    for (const [label, run] of cases) {
      const { p50, p95, p99 } = await measure(run);
      if (label.startsWith("baseline")) baselineP95 = p95;
      const goal = label.startsWith("baseline")
        ? ""
        : `${p95 < GOAL_P95_MS ? "met" : "MISSED"} (< ${GOAL_P95_MS}; ${(p95 / baselineP95).toFixed(1)}x baseline)`;
      console.log(`| ${label} | ${p50.toFixed(2)} | ${p95.toFixed(2)} | ${p99.toFixed(2)} | ${goal} |`);
    }
    await baselinePool.end();
  } finally {
    await db.close();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
