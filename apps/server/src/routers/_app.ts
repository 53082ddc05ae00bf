import { router } from "../trpc";
import { accountRouter } from "./account";
import { apiKeysRouter } from "./api-keys";
import { contactsRouter } from "./contacts";
import { deliveriesRouter } from "./deliveries";
import { endpointsRouter } from "./endpoints";
import { funnelsRouter } from "./funnels";
import { liveRouter } from "./live";
import { logsRouter } from "./logs";
import { statsRouter } from "./stats";
import { systemRouter } from "./system";
import { webhooksRouter } from "./webhooks";

export const appRouter = router({
  system: systemRouter,
  account: accountRouter,
  apiKeys: apiKeysRouter,
  endpoints: endpointsRouter,
  funnels: funnelsRouter,
  logs: logsRouter,
  live: liveRouter,
  deliveries: deliveriesRouter,
  contacts: contactsRouter,
  stats: statsRouter,
  webhooks: webhooksRouter,
});

/** The API's type, imported by the dashboard's tRPC client. */
export type AppRouter = typeof appRouter;
