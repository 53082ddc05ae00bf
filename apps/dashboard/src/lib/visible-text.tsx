// Visitors and receivers control much of what the dashboard shows (names, custom fields, referrers,
// response excerpts). Invisible characters (zero-width spaces, joiners, the BOM) and bidirectional
// controls (U+202E turns the text after it around) could make a name pass for another: they are
// shown as visible marks instead.

/** Bidi controls, zero-width and other invisible formatting characters, and C0/C1 controls but tab and newline. */
// Built from a string: the class holds control and combining characters on purpose.
const HIDDEN = new RegExp(
  "[\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180E" +
    "\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF9-\\uFFFB]",
  "g",
);

const codeOf = (char: string) =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/** The text with each hidden character written out as `<U+202E>`: for titles, attributes and copies. */
export function revealHidden(text: string): string {
  return text.replace(HIDDEN, (char) => `<${codeOf(char)}>`);
}

/** Whether the text holds a character `revealHidden` would mark. */
export function hasHidden(text: string): boolean {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(text);
  HIDDEN.lastIndex = 0;
  return found;
}

/**
 * Text from outside, rendered as text (never HTML) with hidden characters marked visibly. Wrapped in
 * an isolate, so a right-to-left run inside cannot reorder what is around it.
 */
export function VisibleText({ text, className }: { text: string | null | undefined; className?: string }) {
  if (text == null) return null;
  const parts = text.split(HIDDEN);
  const marks = text.match(HIDDEN) ?? [];
  return (
    <bdi className={className}>
      {parts.map((part, index) => (
        <span key={index}>
          {part}
          {marks[index] !== undefined && (
            <mark
              title={`Hidden character ${codeOf(marks[index])}`}
              className="mx-px rounded bg-amber-100 px-0.5 font-mono text-[0.8em] text-amber-900 dark:bg-amber-900 dark:text-amber-100"
            >
              {codeOf(marks[index])}
            </mark>
          )}
        </span>
      ))}
    </bdi>
  );
}
