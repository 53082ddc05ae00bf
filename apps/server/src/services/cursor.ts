import { AppError } from "../errors";

/** A position in a newest-first list: the last row's (created_at, id), which is unique and indexed. */
export type Keyset = { createdAt: Date; id: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Opaque to clients, so the pagination scheme can change without breaking them. */
export function encodeCursor(row: Keyset): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`).toString("base64url");
}

export function decodeCursor(cursor: string): Keyset {
  const [ms, id] = Buffer.from(cursor, "base64url").toString().split(":");
  const time = Number(ms);
  if (!id || !UUID.test(id) || !Number.isSafeInteger(time)) {
    throw new AppError("BAD_REQUEST", {
      userMessage: "This page link is not valid; start from the first page.",
    });
  }
  return { createdAt: new Date(time), id };
}

/**
 * Numbered SQL parameters for a statement built from optional parts: `add(value)` returns `$n`.
 * Only the conditions a request uses end up in the text, so PostgreSQL plans each shape for what it
 * actually filters on (a generic `$x IS NULL OR …` plan would not use the indexes).
 */
export function sqlParams() {
  const values: unknown[] = [];
  return {
    values,
    add(value: unknown): string {
      values.push(value);
      return `$${values.length}`;
    },
  };
}
