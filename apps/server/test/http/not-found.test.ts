import { Writable } from "node:stream";
import { afterAll, beforeAll, expect, test } from "vitest";
import { serverLogger } from "../../src/logging";
import { openTestServers } from "../support/http";

let servers: Awaited<ReturnType<typeof openTestServers>>;
let url: string;
let logged = "";

beforeAll(async () => {
  servers = await openTestServers("pglite");
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logged += String(chunk);
      done();
    },
  });
  const logger = serverLogger("info") as Record<string, unknown>;
  url = await servers.start({ logger: { ...logger, stream } });
});
afterAll(async () => {
  await servers?.close();
});

test("an unknown route is logged and answered by its path only, never its query string", async () => {
  logged = "";
  const response = await fetch(`${url}/api/nowhere?email=private%40example.com&token=s3cret`);
  expect(response.status).toBe(404);
  const text = await response.text();
  expect(JSON.parse(text)).toEqual({
    statusCode: 404,
    error: "route_not_found",
    message: "No route GET /api/nowhere.",
  });
  const lines = logged
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.find((line) => line.msg === "route not found")).toMatchObject({
    method: "GET",
    path: "/api/nowhere",
  });
  expect(logged).not.toMatch(/private|s3cret|email=/);
  expect(text).not.toMatch(/private|s3cret|email=/);
});
