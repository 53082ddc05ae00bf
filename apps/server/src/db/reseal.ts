import { linkSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Config } from "../config";
import { generateEncryptionKey, isSealed, KeyRing, openSealed, sealedKeyId } from "./encryption";
import type { SqlRunner } from "./migrate";

/** Where the embedded database keeps its generated key when GENIE_ENCRYPTION_KEY is not set. */
export const KEY_FILE = "encryption-key";

/**
 * The keys of a database as configured: GENIE_ENCRYPTION_KEY seals (required on PostgreSQL); on the
 * embedded database without it, a key generated once into the data folder (mode 0600). A key file
 * left there is also an old key when GENIE_ENCRYPTION_KEY is set, so switching to an explicit key
 * only needs `reencrypt`.
 */
export function keyRingOf(config: Config["database"]): KeyRing {
  const { key = null, oldKeys = [] } = config.encryption ?? {};
  if (config.kind === "postgres") {
    if (!key) throw new Error("GENIE_ENCRYPTION_KEY must be set with DATABASE_URL");
    return new KeyRing(key, oldKeys);
  }
  const file = path.join(config.dataDir, KEY_FILE);
  const kept = readKeyFile(file);
  if (key) return new KeyRing(key, kept ? [...oldKeys, kept] : oldKeys);
  if (kept) return new KeyRing(kept, oldKeys);
  // Written whole under another name, then linked into place: a start that fails half-way (a full
  // disk) leaves no empty key file behind, and a start that raced us keeps its key (link never replaces).
  const generated = generateEncryptionKey();
  const partial = `${file}.${process.pid}.partial`;
  try {
    writeFileSync(partial, `${generated}\n`, { mode: 0o600 });
    linkSync(partial, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(partial, { force: true });
  }
  return new KeyRing(readKeyFile(file) ?? generated, oldKeys);
}

function readKeyFile(file: string): string | null {
  try {
    return readFileSync(file, "utf8").trim() || null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

type EndpointSecrets = {
  id: string;
  secret: string;
  previous_secret: string | null;
  custom_headers: Record<string, string> | string | null;
};

export type ResealReport = { checked: number; resealed: number };

/** Endpoints read and rewritten per statement. */
const PAGE = 200;
/** Passes over rows that changed while being resealed (an edit in the dashboard meanwhile). */
const MAX_PASSES = 3;

/**
 * Seals the endpoint values still stored as plain text (rows written before encryption at rest) and,
 * with `everything`, re-seals values sealed with an old key under the current one (`reencrypt`). A
 * value sealed with a key this ring does not have stops it with an error naming the key id, before
 * anything is changed. Each row is rewritten only if it still holds what was read (compare-and-set),
 * so it is safe beside running servers; a row edited meanwhile is read again.
 */
export async function resealEndpoints(
  sql: SqlRunner,
  ring: KeyRing,
  { everything = false }: { everything?: boolean } = {},
): Promise<ResealReport> {
  // Every sealed value's key is checked, `everything` or not: a start with a key missing refuses.
  const needsWork = (value: string | null) =>
    value !== null && (!isSealed(value) || (sealedByOldKey(ring, value, "endpoint secrets") && everything));
  const report: ResealReport = { checked: 0, resealed: 0 };
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    let changedMeanwhile = 0;
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const rows = await sql.query<EndpointSecrets>(
        `SELECT id::text, secret, previous_secret, custom_headers FROM webhook_endpoints
         WHERE id > $1::uuid ORDER BY id LIMIT ${PAGE}`,
        [after],
      );
      if (rows.length === 0) break;
      after = rows[rows.length - 1]?.id ?? after;
      for (const row of rows) {
        if (pass === 0) report.checked++;
        const headers = headersOf(row.custom_headers);
        const work = [row.secret, row.previous_secret, ...Object.values(headers)].map(needsWork);
        if (!work.includes(true)) continue;
        const reseal = (value: string) => ring.seal(openSealed(value, row.id), row.id);
        const updated = await sql.query(
          `UPDATE webhook_endpoints SET secret = $2, previous_secret = $3, custom_headers = $4::jsonb
           WHERE id = $1::uuid AND secret = $5 AND previous_secret IS NOT DISTINCT FROM $6
             AND custom_headers = $7::jsonb
           RETURNING id`,
          [
            row.id,
            needsWork(row.secret) ? reseal(row.secret) : row.secret,
            row.previous_secret !== null && needsWork(row.previous_secret)
              ? reseal(row.previous_secret)
              : row.previous_secret,
            JSON.stringify(
              Object.fromEntries(
                Object.entries(headers).map(([name, value]) => [
                  name,
                  needsWork(value) ? reseal(value) : value,
                ]),
              ),
            ),
            row.secret,
            row.previous_secret,
            JSON.stringify(headers),
          ],
        );
        if (updated.length === 1) report.resealed++;
        else changedMeanwhile++;
      }
    }
    if (changedMeanwhile === 0) return report;
  }
  throw new Error("endpoints kept changing while being encrypted; run it again");
}

/**
 * Whether a sealed value's key is an old one of the ring (not the current one). A key the ring does
 * not have stops the caller with an error naming it, before that value is changed.
 */
function sealedByOldKey(ring: KeyRing, value: string, what: string): boolean {
  const keyId = sealedKeyId(value) ?? "";
  if (!ring.keyIds.includes(keyId)) {
    throw new Error(
      `${what} are encrypted with key ${keyId}, which is neither GENIE_ENCRYPTION_KEY nor in ` +
        "GENIE_ENCRYPTION_KEYS_OLD: add the key used before to GENIE_ENCRYPTION_KEYS_OLD",
    );
  }
  return keyId !== ring.currentKeyId;
}

/**
 * Re-seals under the current key the mail waiting in the outbox with a token (a reset or
 * verification link; mail/outbox.ts), so that dropping the old keys after `reencrypt` leaves no mail
 * that no key opens (the mailer would give it up). Compare-and-set like the endpoints: a mail sent
 * meanwhile (its row deleted) is simply not rewritten. Mail given up on has no body left.
 */
export async function resealOutbox(sql: SqlRunner, ring: KeyRing): Promise<ResealReport> {
  const report: ResealReport = { checked: 0, resealed: 0 };
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const rows = await sql.query<{ id: string; message: string }>(
      `SELECT id::text, message FROM mail_outbox
       WHERE id > $1::uuid AND failed_at IS NULL AND message LIKE 'enc:%' ORDER BY id LIMIT ${PAGE}`,
      [after],
    );
    if (rows.length === 0) return report;
    after = rows[rows.length - 1]?.id ?? after;
    for (const row of rows) {
      report.checked++;
      if (!sealedByOldKey(ring, row.message, "mails waiting to be sent")) continue;
      const updated = await sql.query(
        "UPDATE mail_outbox SET message = $2 WHERE id = $1::uuid AND message = $3 RETURNING id",
        [row.id, ring.seal(openSealed(row.message, row.id), row.id), row.message],
      );
      report.resealed += updated.length;
    }
  }
}

/** node-postgres parses jsonb; PGlite may hand it over as text. */
function headersOf(value: EndpointSecrets["custom_headers"]): Record<string, string> {
  const parsed = typeof value === "string" ? JSON.parse(value) : value;
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
}
