import { randomUUID } from "node:crypto";
import { openHeaders, openSealed } from "../../src/db/encryption";
import type { PrismaClient } from "../../src/generated/prisma/client";

export type SeededAccount = {
  userId: string;
  projectId: string;
  pageId: string;
  endpointIds: string[];
};

/** An account owner with one funnel project, one page and an endpoint per given URL. */
export async function seedAccount(
  prisma: PrismaClient,
  options: {
    endpointUrls?: string[];
    secret?: string;
    allowedOrigins?: string[];
    retryPreset?: "standard" | "extended";
  } = {},
): Promise<SeededAccount> {
  const user = await prisma.user.create({
    data: { name: "Owner", email: `owner-${randomUUID()}@example.com` },
  });
  const project = await prisma.funnelProject.create({
    data: { userId: user.id, name: "Spring launch", allowedOrigins: options.allowedOrigins ?? [] },
  });
  const page = await prisma.funnelPage.create({
    data: { projectId: project.id, name: "Sign-up", url: "https://funnel.example.com/spring" },
  });
  const endpointIds: string[] = [];
  for (const url of options.endpointUrls ?? []) {
    const endpoint = await prisma.webhookEndpoint.create({
      data: {
        userId: user.id,
        url,
        secret: options.secret ?? "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        retryPreset: options.retryPreset ?? "standard",
      },
    });
    endpointIds.push(endpoint.id);
  }
  return { userId: user.id, projectId: project.id, pageId: page.id, endpointIds };
}

/** A valid registration body for the seeded project. */
export function registrationBody(account: SeededAccount, overrides: Record<string, unknown> = {}) {
  return {
    email: "visitor@example.com",
    name: "Visitor One",
    projectId: account.projectId,
    pageId: account.pageId,
    pageUrl: "https://funnel.example.com/spring?utm_source=newsletter",
    referrer: "https://news.example.com/",
    visitorId: "v_123",
    utm: { source: "newsletter", medium: "email", campaign: "spring" },
    fields: { company: "Acme", seats: 5 },
    ...overrides,
  };
}

/** An endpoint row as stored, with its secrets and header values decrypted (they are stored sealed). */
export async function openedEndpoint(prisma: PrismaClient, id: string) {
  const row = await prisma.webhookEndpoint.findUniqueOrThrow({ where: { id } });
  return {
    ...row,
    secret: openSealed(row.secret, id),
    previousSecret: row.previousSecret === null ? null : openSealed(row.previousSecret, id),
    customHeaders: openHeaders(row.customHeaders as Record<string, string>, id),
  };
}
