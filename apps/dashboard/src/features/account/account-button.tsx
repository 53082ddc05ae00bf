import type { ComponentProps } from "react";

/**
 * The account menu's trigger: the owner's initial, and name and email where there is room. Shared by
 * the placeholder the shell shows first and the menu that replaces it (account-menu.tsx).
 */
export function AccountButton({
  user,
  wide,
  ...props
}: ComponentProps<"button"> & { user: { name: string; email: string }; wide: boolean }) {
  return (
    <button
      type="button"
      // Where the name shows, it is the button's name too (what a voice-control user says).
      aria-label={wide ? undefined : `Account menu for ${user.name}`}
      className={`flex min-w-0 items-center gap-2 rounded-lg p-1.5 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800 ${wide ? "w-full" : ""}`}
      {...props}
    >
      <span
        aria-hidden
        className="grid size-8 shrink-0 place-items-center rounded-full bg-zinc-200 font-semibold text-zinc-700 dark:bg-zinc-700 dark:text-zinc-100"
      >
        {user.name.trim().charAt(0).toUpperCase() || "?"}
      </span>
      {wide && (
        <span className="min-w-0">
          <span className="sr-only">Account menu: </span>
          <span className="block truncate font-medium">{user.name}</span>
          <span className="block truncate text-xs text-zinc-600 dark:text-zinc-400">{user.email}</span>
        </span>
      )}
    </button>
  );
}
