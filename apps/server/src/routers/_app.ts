import { router } from "../trpc";
import { systemRouter } from "./system";

export const appRouter = router({
  system: systemRouter,
});

/** The API's type, imported by the dashboard's tRPC client. */
export type AppRouter = typeof appRouter;
