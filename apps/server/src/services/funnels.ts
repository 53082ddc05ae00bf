import type {
  ById,
  PageCreate,
  PageUpdate,
  PageView,
  ProjectCreate,
  ProjectUpdate,
  ProjectView,
} from "@genie/schemas";
import type { Database } from "../db";
import { notFound } from "../errors";
import type { Prisma } from "../generated/prisma/client";

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
  createdAt: true,
  updatedAt: true,
  pages: { select: pageSelect, orderBy: [{ createdAt: "asc" }, { id: "asc" }] },
} satisfies Prisma.FunnelProjectSelect;

type ProjectRow = Prisma.FunnelProjectGetPayload<{ select: typeof projectSelect }>;
type PageRow = Prisma.FunnelPageGetPayload<{ select: typeof pageSelect }>;

/**
 * The HTML a marketer pastes into a funnel page: the form SDK's <script> build, told which project
 * and page the registrations belong to and where to post them. Ids and URL are attribute-escaped.
 */
export function embedSnippet(publicUrl: string, projectId: string, pageId?: string): string {
  const base = publicUrl.replace(/\/+$/, "");
  const page = pageId ? ` data-page="${escapeAttribute(pageId)}"` : "";
  return [
    `<form data-genie-form data-project="${escapeAttribute(projectId)}"${page}></form>`,
    `<script src="${escapeAttribute(base)}/sdk/genie-form.js" data-api="${escapeAttribute(base)}" async></script>`,
  ].join("\n");
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function toPageView(row: PageRow, publicUrl: string): PageView {
  return { ...row, embedSnippet: embedSnippet(publicUrl, row.projectId, row.id) };
}

function toProjectView(row: ProjectRow, publicUrl: string): ProjectView {
  return {
    ...row,
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

export async function createProject(db: Database, userId: string, input: ProjectCreate, publicUrl: string) {
  const row = await db.prisma.funnelProject.create({ data: { ...input, userId }, select: projectSelect });
  return toProjectView(row, publicUrl);
}

/** Changes reach the public intake within its project cache's lifetime (1 s). */
export async function updateProject(db: Database, userId: string, input: ProjectUpdate, publicUrl: string) {
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
