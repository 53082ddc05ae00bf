import { z } from "zod";
import { textProblem } from "./text";

/**
 * A point in time in a response: the server returns a Date, the wire and the client see ISO-8601
 * (the tRPC API has no transformer, so the type says what actually arrives).
 */
export const timestampSchema = z.date().transform((date) => date.toISOString());

/** A point in time in a request: ISO-8601 with an offset, parsed to a Date. */
export const dateInputSchema = z.iso
  .datetime({ offset: true, error: "must be an ISO-8601 date-time" })
  .transform((value) => new Date(value));

/** Every procedure that names one record: `{ id }`. */
export const byIdSchema = z.strictObject({ id: z.uuid({ error: "must be an id (uuid)" }) });
export type ById = z.output<typeof byIdSchema>;

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
 * Used by the REST routes and by tRPC's error formatter alike.
 */
export function fieldErrorsOf(error: z.ZodError): FieldErrors {
  const result: FieldErrors = { formErrors: [], fieldErrors: {} };
  for (const issue of error.issues) {
    const path = issue.path.map(String).join(".");
    // A refused record key (a header or field name) carries the key rule's own words inside.
    const messages =
      issue.code === "invalid_key" ? issue.issues.map((inner) => inner.message) : [issue.message];
    if (path === "") result.formErrors.push(...messages);
    else result.fieldErrors[path] = [...(result.fieldErrors[path] ?? []), ...messages];
  }
  return result;
}

/** Every refusal of the public REST API (the intake, the CSV export): JSON with a stable `error`. */
export type ApiError = {
  statusCode: number;
  error: string;
  message: string;
  fieldErrors?: Record<string, string[]>;
};

/**
 * What tRPC's infinite queries add to a list's input beside `cursor` (the dashboard's "Load more"):
 * accepted and ignored, since every list pages one way, to older rows.
 */
export const pageDirectionSchema = z.enum(["forward", "backward"]).optional();
