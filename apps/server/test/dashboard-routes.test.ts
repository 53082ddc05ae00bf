import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, expect, test } from "vitest";
import { dashboardRoutes } from "../src/dashboard";

const HTML = { accept: "text/html,application/xhtml+xml" };
let root: string;
let app: FastifyInstance;

beforeAll(async () => {
  root = mkdtempSync(path.join(tmpdir(), "genie-dashboard-"));
  mkdirSync(path.join(root, "assets"));
  writeFileSync(path.join(root, "index.html"), "<!doctype html><title>Genie</title>");
  writeFileSync(path.join(root, "assets", "index-abc123.js"), "console.log(1)");
  app = Fastify();
  app.get("/api/known", async () => ({ ok: true }));
  await app.register(dashboardRoutes, { root });
});
afterAll(async () => {
  await app?.close();
  rmSync(root, { recursive: true, force: true });
});

test("a page of the app (a deep link) answers index.html, not cached", async () => {
  const response = await app.inject({ url: "/endpoints/abc?tab=health", headers: HTML });
  expect(response.statusCode).toBe(200);
  expect(response.body).toContain("<title>Genie</title>");
  expect(response.headers["cache-control"]).toBe("no-cache");
});

test("index.html itself is revalidated on every visit", async () => {
  const response = await app.inject({ url: "/", headers: HTML });
  expect(response.statusCode).toBe(200);
  expect(response.headers["cache-control"]).toBe("no-cache");
});

test("hashed assets are cached for a year", async () => {
  const response = await app.inject({ url: "/assets/index-abc123.js" });
  expect(response.statusCode).toBe(200);
  expect(response.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
});

test.each(["/api/missing", "/trpc/nope", "/sdk/x.js", "/healthz/deep"])(
  "%s stays a 404 even for a browser",
  async (url) => {
    const response = await app.inject({ url, headers: HTML });
    expect(response.statusCode).toBe(404);
    expect(response.body).not.toContain("<title>Genie</title>");
  },
);

test("a missing file asked for by a script is a 404, not the page", async () => {
  const response = await app.inject({ url: "/assets/gone-123.js", headers: { accept: "*/*" } });
  expect(response.statusCode).toBe(404);
});

test("the server's own routes still answer", async () => {
  const response = await app.inject({ url: "/api/known", headers: HTML });
  expect(response.json()).toEqual({ ok: true });
});
