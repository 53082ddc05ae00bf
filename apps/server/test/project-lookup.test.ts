import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Database } from "../src/db";
import { cachedProjectLookup } from "../src/intake/accept";
import { openTestDatabase } from "./support/databases";
import { seedAccount } from "./support/fixtures";

describe("the intake's project lookup cache", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openTestDatabase("pglite");
  });
  afterAll(() => db?.close());

  test("remembers a found project for its time to live, then sees the change", async () => {
    const account = await seedAccount(db.prisma);
    let clock = 1_000_000;
    const lookup = cachedProjectLookup(db.sql, 300, { now: () => clock });
    expect(await lookup(account.projectId, account.pageId)).toMatchObject({ name: "Spring launch" });
    await db.prisma.funnelProject.update({ where: { id: account.projectId }, data: { enabled: false } });
    // Within the time to live the remembered project still answers…
    clock += 299;
    expect(await lookup(account.projectId, account.pageId)).toMatchObject({ name: "Spring launch" });
    clock += 1;
    // …after it, the disabled project is gone.
    expect(await lookup(account.projectId, account.pageId)).toBeUndefined();
  });

  test("does not remember a miss, so a project created a moment later is found at once", async () => {
    const account = await seedAccount(db.prisma);
    const lookup = cachedProjectLookup(db.sql, 60_000);
    await db.prisma.funnelProject.update({ where: { id: account.projectId }, data: { enabled: false } });
    expect(await lookup(account.projectId, null)).toBeUndefined();
    await db.prisma.funnelProject.update({ where: { id: account.projectId }, data: { enabled: true } });
    expect(await lookup(account.projectId, null)).toMatchObject({ id: account.projectId });
  });
});
