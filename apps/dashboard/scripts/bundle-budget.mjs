// The bundle budget: the JavaScript a first visit downloads, gzipped, must stay within BUDGET_KIB.
// A first visit loads the entry chunk, the page it lands on, and every chunk those import statically
// (Vite's manifest lists them). Every lazy route is measured as a landing page, wherever its file
// lives: the routes are read from src/router.tsx (each `lazyRouteComponent(() => import("…"))`), and a
// route the build does not have fails the check rather than drop out silently. The largest must fit.
// The delivery log must also not carry the overview's chart library (uPlot), which loads with the
// overview only. Chunks loaded later, on interaction (form checks, the account menu, toasts, dialogs,
// the chart), are listed but not counted. Run after `vite build`; exits 1 when over budget.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const BUDGET_KIB = 150;
const dist = fileURLToPath(new URL("../dist", import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(dist, ".vite/manifest.json"), "utf8"));

const gzipped = new Map();
const sizeOf = (file) => {
  if (!gzipped.has(file)) gzipped.set(file, gzipSync(readFileSync(path.join(dist, file))).length);
  return gzipped.get(file);
};

/** The chunk and everything it imports statically (what the browser fetches before running it). */
function closure(key, seen = new Set()) {
  if (seen.has(key)) return seen;
  seen.add(key);
  for (const imported of manifest[key].imports ?? []) closure(imported, seen);
  return seen;
}
const kib = (bytes) => (bytes / 1024).toFixed(1).padStart(6);
const total = (keys) => [...keys].reduce((sum, key) => sum + sizeOf(manifest[key].file), 0);

const entryKey = Object.keys(manifest).find((key) => manifest[key].isEntry);
const entry = closure(entryKey);
const routerSource = readFileSync(fileURLToPath(new URL("../src/router.tsx", import.meta.url)), "utf8");
const routeFiles = [
  ...new Set(
    [...routerSource.matchAll(/lazyRouteComponent\(\s*\(\) => import\("\.\/([^"]+)"\)/g)].map((m) => m[1]),
  ),
];
const pages = routeFiles.map((file) => {
  const key = Object.keys(manifest).find((k) => k === `src/${file}.tsx` || k === `src/${file}.ts`);
  if (!key || !manifest[key].isDynamicEntry) {
    console.error(`The route ${file} is not a lazy chunk of the build: the budget cannot measure it.`);
    process.exit(1);
  }
  return key;
});
if (pages.length < 5) {
  console.error(`Only ${pages.length} lazy routes found in src/router.tsx: has the route syntax changed?`);
  process.exit(1);
}

console.log(`Bundle budget: JavaScript of a first visit, gzipped, at most ${BUDGET_KIB} KiB`);
console.log(`  entry (${path.basename(manifest[entryKey].file)} and its imports): ${kib(total(entry))} KiB`);
let worst = 0;
for (const page of pages) {
  const visit = closure(page, new Set(entry));
  const size = total(visit);
  worst = Math.max(worst, size);
  console.log(
    `  landing on ${page
      .replace(/^src\//, "")
      .replace(/\.tsx?$/, "")
      .padEnd(36)} ${kib(size)} KiB`,
  );
}
// The log's first visit: its route, and no chart library in it.
const logKey = pages.find((key) => key.includes("deliveries/log-page"));
if (logKey) {
  const visit = closure(logKey, new Set(entry));
  const chart = [...visit].filter((key) => /uplot/i.test(key) || /attempts-chart/.test(key));
  console.log(
    `  first visit to the delivery log: ${kib(total(visit)).trim()} KiB, chart library in it: ${chart.length ? "YES" : "no"}`,
  );
  if (chart.length) {
    console.error(`The delivery log's first visit loads the chart: ${chart.join(", ")}`);
    process.exit(1);
  }
}
const counted = new Set(pages.flatMap((page) => [...closure(page, new Set(entry))]));
const later = Object.keys(manifest).filter((key) => manifest[key].file.endsWith(".js") && !counted.has(key));
console.log(
  `  loaded later, on interaction: ${later.map((key) => `${path.basename(manifest[key].file)} ${kib(sizeOf(manifest[key].file)).trim()}`).join(", ")} (KiB)`,
);
if (worst > BUDGET_KIB * 1024) {
  console.error(
    `Over budget: the heaviest first visit is ${kib(worst).trim()} KiB (budget ${BUDGET_KIB} KiB).`,
  );
  process.exit(1);
}
console.log(`Within budget: heaviest first visit ${kib(worst).trim()} of ${BUDGET_KIB} KiB.`);
