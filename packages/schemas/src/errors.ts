import type { z } from "zod";
import { textProblem } from "./text";

/**
 * A zod check for every string a caller sends: refuses NUL and the other C0 controls (tab, CR and LF
 * excepted) and lone surrogates with a message naming what was found. See `textProblem`.
 *
 * @example
 * const name = z.string().trim().max(200).check(storableText);
 */
export const storableText: z.core.CheckFn<string> = (ctx) => {
  const problem = textProblem(ctx.value);
  if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
};

/** A refusal's messages: `fieldErrors` keyed by the field's dotted path (`utm.source`, `fields.company`). */
export type FieldErrors = { formErrors: string[]; fieldErrors: Record<string, string[]> };

/**
 * The messages of a failed parse, each under the dotted path of its field, so forms can show them
 * next to nested inputs. Issues about the whole value (an unknown key at the top) are `formErrors`.
 * Used by the REST intake and by tRPC's error formatter alike.
 */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const result: FieldErrors = { formErrors: [], fieldErrors: {} };
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".");
    // A refused record key (a custom header's name) says why in its inner issues, not its own message.
    const messages =
      issue.code === "invalid_key" ? issue.issues.map((inner) => inner.message) : [issue.message];
    if (path === "") result.formErrors.push(...messages);
    else result.fieldErrors[path] = [...(result.fieldErrors[path] ?? []), ...messages];
  }
  return result;
}
