import { createAuthClient } from "better-auth/react";
import { forgetSession } from "./trpc";

/**
 * better-auth's own client for /api/auth/* (same origin: the dashboard is served by the server). Only
 * the pages that sign in, sign out or manage the account load it; whether someone is signed in is
 * asked through tRPC (`account.me`), which the first visit loads anyway.
 */
export const authClient = createAuthClient();

/** Ends this device's session and forgets the cached answers of the account; then go to sign-in. */
export async function signOut() {
  await authClient.signOut();
  forgetSession();
}
