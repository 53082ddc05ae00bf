import { Link, useNavigate } from "@tanstack/react-router";
import { DropdownMenu } from "radix-ui";
import { AccountButton } from "./account-button";

const MENU_ITEM =
  "block cursor-pointer rounded-md px-2.5 py-2 text-sm outline-none data-[highlighted]:bg-zinc-100 dark:data-[highlighted]:bg-zinc-800";

/**
 * The account menu (Radix: arrow keys, Escape, focus return). Loaded when first wanted, with
 * better-auth's client: neither is needed to show a page.
 */
export function AccountMenu({
  user,
  wide,
  defaultOpen,
}: {
  user: { name: string; email: string };
  wide: boolean;
  defaultOpen: boolean;
}) {
  const navigate = useNavigate();
  const signOut = async () => {
    const { signOut } = await import("../../lib/auth");
    await signOut();
    await navigate({ to: "/sign-in" });
  };
  return (
    // Not modal: a modal menu hides the whole page from assistive technology while open (aria-hidden
    // around focusable content); focus still moves into the menu and Escape or Tab closes it.
    <DropdownMenu.Root defaultOpen={defaultOpen} modal={false}>
      <DropdownMenu.Trigger asChild>
        <AccountButton user={user} wide={wide} />
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content align="end" sideOffset={6} className="card z-50 min-w-56 p-1.5 shadow-lg">
          <DropdownMenu.Label className="px-2.5 py-2 text-xs text-zinc-600 dark:text-zinc-400">
            Signed in as{" "}
            <span className="block truncate font-medium text-zinc-900 dark:text-zinc-100">{user.email}</span>
          </DropdownMenu.Label>
          <DropdownMenu.Separator className="my-1 h-px bg-zinc-200 dark:bg-zinc-800" />
          <DropdownMenu.Item asChild className={MENU_ITEM}>
            <Link to="/account">Account settings</Link>
          </DropdownMenu.Item>
          <DropdownMenu.Item className={MENU_ITEM} onSelect={() => void signOut()}>
            Sign out
          </DropdownMenu.Item>
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}
