// The size budget of what funnel pages load (issue 20): the enhance script alone at most 3 KiB,
// and with the renderer (what the default snippet loads) at most 4 KiB, minified and gzipped.
// Prints the figures; exits 1 above budget. Run by `pnpm build` after tsdown.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const dir = new URL("../dist/browser/", import.meta.url);
const gz = (name) => gzipSync(readFileSync(new URL(name, dir)), { level: 9 }).length;
const raw = (name) => readFileSync(new URL(name, dir)).length;
const KiB = 1024;

const enhance = gz("genie-form.js");
const render = gz("genie-form-render.js");
const checks = [
  ["genie-form.js (enhance)", raw("genie-form.js"), enhance, 3 * KiB],
  ["genie-form-render.js (renderer)", raw("genie-form-render.js"), render, null],
  ["enhance + renderer (default snippet)", null, enhance + render, 4 * KiB],
];
let over = false;
for (const [name, minified, gzipped, budget] of checks) {
  const verdict =
    budget === null ? "" : gzipped <= budget ? `  ok (budget ${budget} B)` : `  OVER BUDGET (${budget} B)`;
  over ||= budget !== null && gzipped > budget;
  console.log(
    `${name.padEnd(38)} ${minified === null ? "" : `${minified} B min, `}${gzipped} B min+gz${verdict}`,
  );
}
if (over) process.exit(1);
