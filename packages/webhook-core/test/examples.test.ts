// Each example receiver runs as its own process, as a developer would run it, and must answer every
// kind of request as the README promises. The README must show the examples exactly as they are.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  expectedAnswer,
  handledIds,
  RECEIVERS,
  type RunningExample,
  runExample,
  STRANGER,
  send,
  startExample,
} from "./receivers";

const PACKAGE_DIR = join(import.meta.dirname, "..");
const EXAMPLES = [...Object.keys(RECEIVERS), "send-test-webhook.ts"];

describe.each(Object.entries(RECEIVERS))("examples/%s", (file, scenarios) => {
  let receiver: RunningExample;
  beforeAll(async () => {
    receiver = await startExample(join("examples", file), PACKAGE_DIR);
  }, 30_000);
  afterAll(() => receiver?.stop());

  test("listens on 127.0.0.1 only, on the port the OS picked", () => {
    expect(receiver.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*\/webhooks\/genie$/);
  });

  test.each(scenarios)("$name", async (scenario) => {
    expect(await send(receiver.url, scenario)).toEqual(expectedAnswer(scenario));
  });

  test("handled exactly the requests it accepted", async () => {
    const expected = handledIds(scenarios);
    expect((await receiver.waitForHandled(expected)).sort()).toEqual(expected.sort());
  });
});

describe("examples/send-test-webhook.ts", () => {
  let receiver: RunningExample;
  beforeAll(async () => {
    receiver = await startExample(join("examples", "node-http.ts"), PACKAGE_DIR);
  }, 30_000);
  afterAll(() => receiver?.stop());

  test("delivers a signed test webhook to a receiver on this machine", async () => {
    const run = await runExample(join("examples", "send-test-webhook.ts"), PACKAGE_DIR, {
      args: [receiver.url],
    });
    expect(run).toMatchObject({ code: 0, stdout: expect.stringMatching(/^attempt 1: 204 \(success\)$/m) });
    const id = /^delivered (msg_\w+)$/m.exec(run.stdout)?.[1];
    expect(await receiver.waitForHandled([id ?? "no id printed"])).toContain(id);
  });

  test("reports a 400 as not delivered, after one attempt, with the receiver's reason", async () => {
    const run = await runExample(join("examples", "send-test-webhook.ts"), PACKAGE_DIR, {
      args: [receiver.url],
      secret: STRANGER,
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("attempt 1: 400 (give-up)\n");
    expect(run.stderr).toMatch(/^not delivered: .*"error":"no-matching-signature"/);
  });
});

describe("the README", () => {
  const readme = readFileSync(join(PACKAGE_DIR, "README.md"), "utf8");
  test.each(EXAMPLES)("shows examples/%s exactly as the file is", (file) => {
    const source = readFileSync(join(PACKAGE_DIR, "examples", file), "utf8");
    expect(readme).toContain(`\`\`\`ts\n${source}\`\`\``);
  });
});
