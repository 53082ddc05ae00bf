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

/** What `sqlParams()` returns: the values so far and `add`. */
export type SqlParams = ReturnType<typeof sqlParams>;

/** A uuid[] parameter as a PostgreSQL array literal, which both drivers pass through unchanged. */
export function uuidArray(ids: string[]): string {
  return `{${ids.join(",")}}`;
}
