/**
 * Every dashboard address a mail links to, built in one place from the public base URL
 * (GENIE_PUBLIC_URL, or where this server is reached), so a page that moves is changed here only.
 */
export function dashboardLinks(base: string) {
  const at = (path: string, query: Record<string, string> = {}) => {
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return url.toString();
  };
  return {
    signIn: () => at("/sign-in"),
    forgotPassword: () => at("/forgot-password"),
    resetPassword: (token: string) => at("/reset-password", { token }),
    /** better-auth's verification route: it verifies, then redirects to the account page. */
    verifyEmail: (token: string) => at("/api/auth/verify-email", { token, callbackURL: "/account" }),
    account: () => at("/account"),
    endpoint: (endpointId: string) => at(`/endpoints/${endpointId}`),
    /** The delivery log, filtered to one endpoint. */
    endpointLog: (endpointId: string) => at("/deliveries", { endpointId }),
    unsubscribe: (token: string) => at("/api/mail/unsubscribe", { token }),
  };
}

export type DashboardLinks = ReturnType<typeof dashboardLinks>;
