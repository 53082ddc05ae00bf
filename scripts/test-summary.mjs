// Prints vitest's JSON report as one plain closing line, "Tests: N passed, N failed, N skipped",
// and exits non-zero when anything failed or nothing ran at all. Used by .ci/run.
import { readFileSync } from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node scripts/test-summary.mjs <vitest-json-report>");
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, "utf8"));
const passed = report.numPassedTests;
const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites ?? 0);
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 || !report.success ? 1 : 0);
