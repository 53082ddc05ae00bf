import {
  type ById,
  embedSnippet,
  type PageCreate,
  type PageUpdate,
  type PageView,
  type ProjectCreate,
  type ProjectUpdate,
  type ProjectView,
} from "@genie/schemas";
import type { Database } from "../db";
import { AppError, notFound } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { isPhoneCountry } from "../intake/phone";

const pageSelect = {
  id: true,
  projectId: true,
  name: true,
  url: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.FunnelPageSelect;

const projectSelect = {
  id: true,
  name: true,
  allowedOrigins: true,
  enabled: true,
  defaultCountry: true,
  createdAt: true,
  updatedAt: true,
  pages: { select: pageSelect, orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
  _count: { select: { contacts: true } },
} satisfies Prisma.FunnelProjectSelect;

type ProjectRow = Prisma.FunnelProjectGetPayload<{ select: typeof projectSelect }>;
type PageRow = Prisma.FunnelPageGetPayload<{ select: typeof pageSelect }>;

function toPageView(row: PageRow, publicUrl: string): PageView {
  return { ...row, embedSnippet: embedSnippet(publicUrl, row.projectId, row.id) };
}

function toProjectView({ _count, ...row }: ProjectRow, publicUrl: string): ProjectView {
  return {
    ...row,
    registrations: _count.contacts,
    embedSnippet: embedSnippet(publicUrl, row.id),
    pages: row.pages.map((page) => toPageView(page, publicUrl)),
  };
}

export async function listProjects(db: Database, userId: string, publicUrl: string) {
  const rows = await db.prisma.funnelProject.findMany({
    where: { userId },
    select: projectSelect,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((row) => toProjectView(row, publicUrl));
}

export async function getProject(db: Database, userId: string, { id }: ById, publicUrl: string) {
  const row = await db.prisma.funnelProject.findFirst({ where: { id, userId }, select: projectSelect });
  if (!row) throw notFound("Project");
  return toProjectView(row, publicUrl);
}

/** A default country libphonenumber cannot read numbers of would refuse every phone: refused here instead. */
function checkDefaultCountry(country: string | null | undefined) {
  if (country && !isPhoneCountry(country)) {
    throw new AppError("BAD_REQUEST", {
      reason: "validation_failed",
      userMessage: `${country} is not a country whose phone numbers Genie can read.`,
      fieldErrors: { defaultCountry: ["must be a country code with phone numbers, like US or DE"] },
    });
  }
}

export async function createProject(db: Database, userId: string, input: ProjectCreate, publicUrl: string) {
  checkDefaultCountry(input.defaultCountry);
  const row = await db.prisma.funnelProject.create({ data: { ...input, userId }, select: projectSelect });
  return toProjectView(row, publicUrl);
}

/** Changes reach the public intake within its project cache's lifetime (1 s). */
export async function updateProject(db: Database, userId: string, input: ProjectUpdate, publicUrl: string) {
  checkDefaultCountry(input.defaultCountry);
  const { id, ...data } = input;
  const { count } = await db.prisma.funnelProject.updateMany({ where: { id, userId }, data });
  if (count === 0) throw notFound("Project");
  return getProject(db, userId, { id }, publicUrl);
}

/**
 * Deletes the project with its pages and contacts. Webhooks already queued for those contacts are
 * still delivered: a delivery keeps its exact body, and only loses its link to the contact.
 */
export async function deleteProject(db: Database, userId: string, { id }: ById) {
  const { count } = await db.prisma.funnelProject.deleteMany({ where: { id, userId } });
  if (count === 0) throw notFound("Project");
  return { id };
}

export async function createPage(db: Database, userId: string, input: PageCreate, publicUrl: string) {
  const project = await db.prisma.funnelProject.findFirst({
    where: { id: input.projectId, userId },
    select: { id: true },
  });
  if (!project) throw notFound("Project");
  const row = await db.prisma.funnelPage.create({ data: input, select: pageSelect });
  return toPageView(row, publicUrl);
}

export async function getPage(db: Database, userId: string, { id }: ById, publicUrl: string) {
  const row = await db.prisma.funnelPage.findFirst({
    where: { id, project: { userId } },
    select: pageSelect,
  });
  if (!row) throw notFound("Page");
  return toPageView(row, publicUrl);
}

export async function updatePage(db: Database, userId: string, input: PageUpdate, publicUrl: string) {
  const { id, ...data } = input;
  const { count } = await db.prisma.funnelPage.updateMany({ where: { id, project: { userId } }, data });
  if (count === 0) throw notFound("Page");
  const row = await db.prisma.funnelPage.findFirst({
    where: { id, project: { userId } },
    select: pageSelect,
  });
  if (!row) throw notFound("Page");
  return toPageView(row, publicUrl);
}

export async function deletePage(db: Database, userId: string, { id }: ById) {
  const { count } = await db.prisma.funnelPage.deleteMany({ where: { id, project: { userId } } });
  if (count === 0) throw notFound("Page");
  return { id };
}
