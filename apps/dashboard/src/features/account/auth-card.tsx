import type { ReactNode } from "react";

/** The frame of the signed-out pages (forgot and reset password): the brand, a card, a line below. */
export function AuthCard({
  title,
  description,
  children,
  footer,
}: {
  title: string;
  description?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <main className="flex min-h-screen flex-col items-center justify-center px-4 py-12">
      <div className="mb-8 flex items-center gap-2 text-lg font-semibold">
        <span aria-hidden className="grid size-8 place-items-center rounded-lg bg-indigo-600 text-white">
          G
        </span>
        Genie
      </div>
      <div className="card w-full max-w-sm p-6 sm:p-8">
        <h1 className="text-xl font-semibold">{title}</h1>
        {description && <p className="hint mt-1">{description}</p>}
        <div className="mt-6">{children}</div>
      </div>
      {footer && <p className="hint mt-6">{footer}</p>}
    </main>
  );
}

/** A link styled like the sign-in page's. */
export const LINK_CLASS =
  "font-medium text-indigo-700 underline-offset-2 hover:underline dark:text-indigo-400";

/** better-auth's field errors (Genie's password policy puts the reason under the field's name). */
export function serverFieldError(error: unknown, field: string): string | undefined {
  const errors = (error as { fieldErrors?: Record<string, string[]> } | null)?.fieldErrors;
  return errors?.[field]?.[0];
}
