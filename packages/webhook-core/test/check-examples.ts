// The examples' test without vitest, for scripts/pack-check.sh: it runs the examples as shipped in the
// tarball, next to this file, against the installed package. Prints one line per example; exits 1 at
// the first answer that differs from examples.test.ts's expectations.
// Run: node --import tsx check-examples.ts   (from the folder that holds examples/)
import { expectedAnswer, handledIds, RECEIVERS, runExample, send, startExample } from "./receivers";

const cwd = process.cwd();

for (const [file, scenarios] of Object.entries(RECEIVERS)) {
  const receiver = await startExample(`examples/${file}`, cwd);
  try {
    for (const scenario of scenarios) {
      const answer = JSON.stringify(await send(receiver.url, scenario));
      const expected = JSON.stringify(expectedAnswer(scenario));
      if (answer !== expected)
        throw new Error(`${file}: ${scenario.name}: got ${answer}, expected ${expected}`);
    }
    const expected = handledIds(scenarios).sort();
    const handled = (await receiver.waitForHandled(expected)).sort();
    if (handled.join() !== expected.join())
      throw new Error(`${file} handled ${handled}, expected ${expected}`);
    console.log(`  ${file}: ${scenarios.length} requests answered as expected`);
  } finally {
    await receiver.stop();
  }
}

const receiver = await startExample("examples/node-http.ts", cwd);
try {
  const run = await runExample("examples/send-test-webhook.ts", cwd, { args: [receiver.url] });
  if (run.code !== 0 || !/^delivered msg_/m.test(run.stdout)) {
    throw new Error(`send-test-webhook.ts failed (${run.code}):\n${run.stdout}${run.stderr}`);
  }
  console.log("  send-test-webhook.ts: delivered to node-http.ts");
} finally {
  await receiver.stop();
}
