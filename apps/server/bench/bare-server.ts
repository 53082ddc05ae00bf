// The baseline for the intake benchmark: the least a registration endpoint can do (Fastify, parse
// JSON, one INSERT through node-postgres, answer 201). Genie's intake is measured beside it.
import Fastify from "fastify";
import pg from "pg";

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`CREATE TABLE IF NOT EXISTS bare_contacts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL, body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now())`);
const app = Fastify();
app.post<{ Body: { email: string } }>("/api/contacts", async (request, reply) => {
  const { rows } = await pool.query("INSERT INTO bare_contacts (email, body) VALUES ($1, $2) RETURNING id", [
    request.body.email,
    request.body,
  ]);
  return reply.code(201).send({ id: rows[0].id });
});
const address = await app.listen({ port: 0, host: "127.0.0.1" });
console.log(`Genie is listening on ${address}`);
process.on("SIGTERM", async () => {
  await app.close();
  await pool.end();
  process.exit(0);
});
