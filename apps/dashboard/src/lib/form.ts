import { useEffect, useRef } from "react";
import type { z } from "zod";

/**
 * Field errors by dotted path, the first message of each: "url", "customHeaders.x-make-apikey" (that
 * header's value), "customHeaders.x-make-apikey#name" (its name, a record key).
 */
export type FieldErrors = Record<string, string>;

type Schemas = typeof import("./form-schemas");
export type SchemaName = keyof Schemas;

const loadSchemas = () => import("./form-schemas");

/** Starts loading the schemas (a form got focus), so that checking on submit does not wait. */
export function preloadSchemas() {
  void loadSchemas();
}

/**
 * Checks a form's values with the same zod schema the server uses, so the owner sees the server's
 * rules next to each field before anything is sent.
 */
export async function validate<N extends SchemaName>(
  name: N,
  values: unknown,
): Promise<{ data: z.output<Schemas[N]>; errors: null } | { data: null; errors: FieldErrors }> {
  const schema = (await loadSchemas())[name] as z.ZodType;
  const result = schema.safeParse(values);
  if (result.success) return { data: result.data as z.output<Schemas[N]>, errors: null };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const path = issue.path.map(String).join(".") || "form";
    // A bad record key reports "Invalid key in record"; the reason is in its nested issue.
    if (issue.code === "invalid_key") errors[`${path}#name`] ??= issue.issues[0]?.message ?? issue.message;
    else errors[path] ??= issue.message;
  }
  return { data: null, errors };
}

/**
 * After a refused submit, moves focus to the first field marked invalid, so keyboard and screen-reader
 * users land on what to fix (its error is read with it through aria-describedby). Runs after React
 * has rendered the errors; pass the form's `ref` the hook returns.
 */
export function useFocusFirstError(errors: FieldErrors) {
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (Object.keys(errors).length > 0)
      form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [errors]);
  return form;
}
