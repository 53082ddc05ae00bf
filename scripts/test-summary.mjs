// Prints the test reports of one CI run as one plain closing line, "Tests: N passed, N failed,
// N skipped", and exits non-zero when anything failed or nothing ran at all. Used by .ci/run.
// Takes vitest's JSON report and Playwright's (the dashboard's browser tests), in any order; a
// report that is missing or unreadable counts as a failure (its runner crashed before writing it).
import { readFileSync } from "node:fs";

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error("usage: node scripts/test-summary.mjs <vitest-json-report> [<playwright-json-report>]");
  process.exit(2);
}

const totals = { passed: 0, failed: 0, skipped: 0 };
let ok = true;
for (const file of files) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    console.error(`test-summary: no report in ${file} (${error.message})`);
    totals.failed += 1;
    ok = false;
    continue;
  }
  if (report.stats && "expected" in report.stats) {
    // Playwright: expected = passed, unexpected = failed, flaky = passed on a retry.
    const { expected, unexpected, flaky, skipped } = report.stats;
    totals.passed += expected + flaky;
    totals.failed += unexpected + (report.errors?.length ?? 0);
    totals.skipped += skipped;
    if (unexpected > 0 || report.errors?.length) ok = false;
  } else {
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
    totals.skipped += report.numPendingTests + report.numTodoTests;
    if (!report.success) ok = false;
  }
}
console.log(`Tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 || totals.passed === 0 || !ok ? 1 : 0);
