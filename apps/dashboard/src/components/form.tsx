import type { FormEvent, ReactNode } from "react";
import { type FieldErrors, preloadSchemas, useFocusFirstError } from "../lib/form";
import { Callout } from "./ui";

/**
 * A form checked with the server's zod schemas (loaded when it is first focused): errors of no field
 * in particular (`errors.form`) show at its top under `failedTitle`, and focus moves to the first
 * invalid field after a refused submit.
 */
export function SchemaForm({
  errors,
  onSubmit,
  failedTitle,
  className,
  children,
}: {
  errors: FieldErrors;
  onSubmit: (event: FormEvent) => void;
  failedTitle: string;
  className?: string;
  children: ReactNode;
}) {
  const ref = useFocusFirstError(errors);
  return (
    <form ref={ref} noValidate onSubmit={onSubmit} onFocus={preloadSchemas} className={className}>
      {errors.form && (
        <Callout tone="danger" title={failedTitle} alert>
          {errors.form}
        </Callout>
      )}
      {children}
    </form>
  );
}
