import type { CreateFastifyContextOptions } from "@trpc/server/adapters/fastify";
import type { Database } from "./db";

/** The signed-in account owner, when there is one. */
export type Session = { userId: string };

/**
 * What every procedure sees. Built without any HTTP so tests can call procedures directly through
 * `createCaller(createContextInner(...))`.
 */
export function createContextInner(opts: { db: Database; session: Session | null }) {
  return { db: opts.db, prisma: opts.db.prisma, session: opts.session };
}

export type Context = ReturnType<typeof createContextInner>;

/** The Fastify adapter's context: no sign-in exists yet, so every request is anonymous. */
export function createContextFactory(db: Database) {
  return (_opts: CreateFastifyContextOptions): Context => createContextInner({ db, session: null });
}
