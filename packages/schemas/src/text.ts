// What text PostgreSQL can store, in plain functions without zod (the form SDK's script can import
// them). PostgreSQL's `text` and `jsonb` refuse NUL, and `jsonb` refuses a lone UTF-16 surrogate,
// both of which a JavaScript string can hold; the other C0 controls are stored but are never part of
// a name, an address or a campaign, and they break CSV exports and log lines.

/** Why `value` is not acceptable text for a field, or null when it is. Tab, CR and LF are allowed. */
export function textProblem(value: string): string | null {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) {
      return `must not contain control characters (found U+${hex(code)})`;
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a well-formed pair: one astral character
        continue;
      }
      return `must be valid Unicode (found a lone surrogate U+${hex(code)})`;
    }
  }
  return null;
}

/**
 * Text from outside that Genie stores without being able to refuse it (a receiver's response, an
 * error message): NUL and lone surrogates are written as visible escapes (`\u0000`), so the row is
 * accepted and a reader still sees what was there.
 */
export function toStorableText(value: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    let bad = code === 0;
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = value.charCodeAt(i + 1);
      if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      bad = true;
    }
    if (bad) {
      out += `${value.slice(start, i)}\\u${hex(code).toLowerCase()}`;
      start = i + 1;
    }
  }
  return start === 0 ? value : out + value.slice(start);
}

const hex = (code: number) => code.toString(16).toUpperCase().padStart(4, "0");
