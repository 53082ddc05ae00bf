import { AppError } from "../errors";
import type { SqlParams } from "./sql";

/** A position in a newest-first list: the last row's (created_at, id), which is unique and indexed. */
export type Keyset = { createdAt: Date; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients, so the pagination scheme can change without breaking them. */
export function encodeCursor(row: Keyset): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`).toString("base64url");
}

function decodeCursor(cursor: string): Keyset {
  const [ms, id] = Buffer.from(cursor, "base64url").toString().split(":");
  const time = Number(ms);
  // A safe integer can still be past the last Date (8.64e15 ms) or before 1970: neither is a row.
  const createdAt = new Date(time);
  if (!id || !UUID.test(id) || !/^\d+$/.test(ms ?? "") || Number.isNaN(createdAt.getTime())) {
    throw new AppError("BAD_REQUEST", {
      reason: "invalid_cursor",
      userMessage: "This page link is not valid; start from the first page.",
    });
  }
  return { createdAt, id };
}

/**
 * The condition that starts a newest-first page after `cursor`, on the (created_at, id) columns of
 * `table` (an alias, or "" for none).
 */
export function keysetAfter(p: SqlParams, cursor: string, table = ""): string {
  const after = decodeCursor(cursor);
  const column = (name: string) => (table ? `${table}.${name}` : name);
  return `(${column("created_at")}, ${column("id")}) < (${p.add(after.createdAt)}::timestamptz, ${p.add(after.id)}::uuid)`;
}

/**
 * A page from rows fetched with LIMIT `limit + 1`: the extra row only says another page follows, and
 * the cursor is the last item's keyset.
 */
export function keysetPage<Row, Item extends Keyset>(rows: Row[], limit: number, toItem: (row: Row) => Item) {
  const items = rows.slice(0, limit).map(toItem);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
