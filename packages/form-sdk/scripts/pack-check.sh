#!/usr/bin/env bash
# Proves the published package works for someone outside this workspace: build (with the size
# budget), `pnpm pack`, check the tarball (the ESM build, self-contained types, the browser files,
# no sources, no workspace specifiers), install it into a scratch project under /tmp with npm, import
# it as ESM and submit a registration to a loopback stand-in, then type-check a use of its API with tsc.
# Usage: bash scripts/pack-check.sh   (or: pnpm --filter @genie/form-sdk pack-check)
set -euo pipefail

package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tsc="$package_dir/node_modules/.bin/tsc"
scratch="$(mktemp -d /tmp/form-sdk-pack-check.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
step() { printf '\n== %s\n' "$*"; }

step "build"
(cd "$package_dir" && pnpm run build)

step "pack"
(cd "$package_dir" && pnpm pack --pack-destination "$scratch" >/dev/null)
tarball="$(ls "$scratch"/*.tgz)"
contents="$(tar -tzf "$tarball")"
echo "$contents" | sed 's/^/  /'
for file in dist/index.js dist/index.d.ts dist/browser/genie-form.js dist/browser/genie-form-render.js \
  dist/browser/genie-form.css README.md package.json; do
  grep -qx "package/$file" <<<"$contents" || { echo "missing from tarball: $file" >&2; exit 1; }
done
if grep -q "package/src/" <<<"$contents"; then echo "sources leaked into the tarball" >&2; exit 1; fi
manifest="$(tar -xOzf "$tarball" package/package.json)"
if grep -qE '"(catalog|workspace):' <<<"$manifest"; then echo "unresolved catalog:/workspace: specifier" >&2; exit 1; fi
if grep -q '"./src/' <<<"$manifest"; then echo "exports still point at src/ (publishConfig not applied)" >&2; exit 1; fi
# The types must stand alone: @genie/schemas is private to this workspace.
if tar -xOzf "$tarball" package/dist/index.d.ts | grep -q '@genie/'; then
  echo "dist/index.d.ts imports a workspace package" >&2
  exit 1
fi
# No validation library and no eval in what browsers run.
for file in dist/index.js dist/browser/genie-form.js dist/browser/genie-form-render.js; do
  if tar -xOzf "$tarball" "package/$file" | grep -qE 'from "zod"|\beval\(|new Function\('; then
    echo "$file carries zod or eval" >&2
    exit 1
  fi
done

step "install into $scratch/app (npm)"
mkdir "$scratch/app"
cd "$scratch/app"
echo '{ "name": "pack-check", "private": true, "type": "module" }' >package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" >/dev/null

cat >esm.mjs <<'JS'
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { attributionFields, GenieSubmitError, isGenieSubmitError, submitRegistration } from "@genie/form-sdk";
const received = [];
const server = createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    received.push({ key: req.headers["idempotency-key"], body: JSON.parse(body) });
    if (received.length === 1) return res.writeHead(503).end("{}");
    res.writeHead(201, { "content-type": "application/json" }).end('{"id":"c1"}');
  });
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const api = `http://127.0.0.1:${server.address().port}`;
const touch = { at: "2026-12-01T00:00:00.000Z", utm: { source: "google" }, clickIds: { gclid: "x" } };
const fields = attributionFields({ visitorId: "v1", pageUrl: undefined, firstTouch: touch, lastTouch: touch });
const result = await submitRegistration({ projectId: "p", email: "a@b.co", ...fields }, { api, retryDelays: [1] });
assert.deepEqual(result, { id: "c1", replayed: false });
assert.equal(received.length, 2);
assert.equal(received[0].key, received[1].key);
assert.deepEqual(received[1].body.fields, { gclid: "x" });
assert.ok(isGenieSubmitError(new GenieSubmitError(400, "validation_failed", "no")));
server.close();
console.log("  ESM import and a retried submission: ok");
JS
node esm.mjs

step "types (tsc, module nodenext, DOM)"
cat >types.mts <<'TS'
import { type AttachOptions, attachForm, captureAttribution, type ErrorDetail, type Registration, submitRegistration, type SubmitResult } from "@genie/form-sdk";
const options: AttachOptions = { api: "https://genie.example.com", onError: (detail: ErrorDetail) => detail.fieldErrors };
export function enhance(form: HTMLFormElement): void {
  attachForm(form, options);
}
const registration: Registration = { projectId: "p", email: "a@b.co", consent: { text: "Yes", given: true } };
export const sent: Promise<SubmitResult> = submitRegistration(registration, { api: "https://genie.example.com" });
export const visitor: string = captureAttribution({ lifetimeDays: 30 }).visitorId;
// @ts-expect-error the types are real: a registration needs an email
export const bad: Registration = { projectId: "p" };
TS
"$tsc" --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 --lib es2022,dom,dom.iterable types.mts
echo "  tsc: ok"

printf '\npack-check passed: %s\n' "$(basename "$tarball")"
