#!/usr/bin/env bash
# Proves the published client works for a developer outside this workspace: build, `pnpm pack`,
# install the tarball into a scratch project under /tmp with npm, check that its types pull in no
# server, Prisma, Fastify or better-auth type, type-check a script that misspells a procedure (must
# fail) and the shipped examples (must pass), then run them against a real Genie server on 127.0.0.1
# (fresh embedded database): provision a funnel and an endpoint (twice: one of each), list the
# failed deliveries, and load the package through ESM import and CJS require.
# Usage: bash scripts/pack-check.sh   (or: pnpm --filter @genie/client pack-check)
set -euo pipefail

package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo_dir="$(cd "$package_dir/../.." && pwd)"
tsc="$package_dir/node_modules/.bin/tsc"
scratch="$(mktemp -d /tmp/genie-client-pack-check.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
version_of() { node -p "require('$package_dir/node_modules/$1/package.json').version"; }

step() { printf '\n== %s\n' "$*"; }

step "build"
(cd "$package_dir" && pnpm run build >/dev/null)

step "pack"
(cd "$package_dir" && pnpm pack --pack-destination "$scratch" >/dev/null)
tarball="$(ls "$scratch"/*.tgz)"
contents="$(tar -tzf "$tarball")"
echo "$contents" | sed 's/^/  /'
for file in dist/index.js dist/index.cjs dist/index.d.ts dist/index.d.cts README.md package.json \
  examples/provision.ts examples/redeliver-failed.ts examples/export-contact.ts; do
  grep -qx "package/$file" <<<"$contents" || { echo "missing from tarball: $file" >&2; exit 1; }
done
if grep -q "package/src/" <<<"$contents"; then echo "sources leaked into the tarball" >&2; exit 1; fi
manifest="$(tar -xOzf "$tarball" package/package.json)"
if grep -qE '"(catalog|workspace):' <<<"$manifest"; then echo "unresolved catalog:/workspace: specifier" >&2; exit 1; fi
if grep -q '"./src/' <<<"$manifest"; then echo "exports still point at src/ (publishConfig not applied)" >&2; exit 1; fi

step "install into $scratch/app (npm)"
mkdir "$scratch/app"
cd "$scratch/app"
echo '{ "name": "client-pack-check", "private": true, "type": "module" }' >package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" "@types/node@$(version_of @types/node)" \
  "tsx@$(version_of tsx)" >/dev/null
# What the types pull in: tRPC's own packages only.
installed="$(ls node_modules node_modules/@* 2>/dev/null | tr '\n' ' ')"
for unwanted in prisma @prisma fastify better-auth @genie/server zod; do
  if grep -qw -- "$unwanted" <<<"$installed"; then echo "installing the client pulled in $unwanted" >&2; exit 1; fi
done
if grep -qiE 'from "(@prisma|fastify|better-auth|@genie/server|zod)' node_modules/@genie/client/dist/index.d.ts; then
  echo "the client's types import server-side packages" >&2
  exit 1
fi
echo "  dependencies: $(node -p "Object.keys(require('./node_modules/@genie/client/package.json').dependencies).join(', ')")"

step "types (tsc): a misspelled procedure fails, the examples pass"
# skipLibCheck as tRPC's own types need (their ws adapter's types want the ws package).
tsc_flags=(--noEmit --strict --skipLibCheck --module nodenext --moduleResolution nodenext --target es2022 --types node)
cat >misspelled.ts <<'TS'
import { createGenieClient } from "@genie/client";
const genie = createGenieClient({ baseUrl: "http://127.0.0.1:3000", apiKey: "gk_x" });
await genie.endpoints.lsit.query();
TS
if "$tsc" "${tsc_flags[@]}" misspelled.ts >misspelled.log 2>&1; then
  echo "a misspelled procedure type-checked" >&2
  exit 1
fi
grep -q "lsit" misspelled.log || { cat misspelled.log >&2; exit 1; }
echo "  misspelled procedure refused: $(grep -o "Property 'lsit' does not exist[^.]*" misspelled.log | head -1)"
cat >wrong-input.ts <<'TS'
import { createGenieClient } from "@genie/client";
const genie = createGenieClient({ baseUrl: "http://127.0.0.1:3000", apiKey: "gk_x" });
await genie.endpoints.create.mutate({ url: 42 });
TS
if "$tsc" "${tsc_flags[@]}" wrong-input.ts >/dev/null 2>&1; then echo "a wrong input type-checked" >&2; exit 1; fi
echo "  wrong input refused"
cp -r node_modules/@genie/client/examples examples
cat >types.cts <<'TS'
import client = require("@genie/client");
const genie = client.createGenieClient({ baseUrl: "http://127.0.0.1:3000", apiKey: "gk_x" });
const pending: Promise<{ id: string; name: string }[]> = genie.funnels.list.query();
const reason: (e: unknown) => string | undefined = (e) => (client.isGenieError(e) ? e.reason : undefined);
export = { pending, reason };
TS
"$tsc" "${tsc_flags[@]}" examples/*.ts types.cts
echo "  examples and CJS types: ok"

step "a Genie server on 127.0.0.1 (fresh embedded database)"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
base="http://127.0.0.1:$port"
(cd "$repo_dir" && PORT="$port" HOST=127.0.0.1 GENIE_DATA_DIR="$scratch/data" \
  exec node --import tsx apps/server/src/main.ts >"$scratch/server.log" 2>&1) &
server_pid=$!
for _ in $(seq 1 120); do
  if curl -fs "$base/healthz" >/dev/null 2>&1; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$scratch/server.log" >&2; exit 1; fi
  sleep 0.5
done
curl -fs "$base/healthz" >/dev/null || { echo "the server did not start" >&2; cat "$scratch/server.log" >&2; exit 1; }
cookie="$(curl -fs -o /dev/null -D - -H 'content-type: application/json' -H "origin: $base" \
  -d '{"name":"Pack check","email":"pack-check@example.com","password":"correct horse battery"}' \
  "$base/api/auth/sign-up/email" | grep -i '^set-cookie:' | sed -E 's/^[Ss]et-[Cc]ookie: ([^;]*).*/\1/' | paste -sd ';' -)"
key="$(curl -fs -H 'content-type: application/json' -H "origin: $base" -H "cookie: $cookie" \
  -d '{"name":"pack check","scope":"write"}' "$base/trpc/apiKeys.create" | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).result.data.key')"
echo "  signed up, made a write key ${key:0:28}…"

step "the examples, run as a developer would (npx tsx)"
export GENIE_URL="$base" GENIE_API_KEY="$key" CRM_URL="https://crm.example.com/hook"
tsx=./node_modules/.bin/tsx
first="$("$tsx" examples/provision.ts)"
second="$("$tsx" examples/provision.ts)"
echo "$first" | sed 's/^/  /'
[ "$first" = "$second" ] || { echo "a second provisioning run answered differently" >&2; exit 1; }
grep -q "whsec_" <<<"$first" || { echo "no signing secret printed" >&2; exit 1; }
"$tsx" examples/redeliver-failed.ts | sed 's/^/  /'
"$tsx" examples/export-contact.ts nobody@example.com | grep -qx '\[\]'
echo "  export of an unknown contact: []"
cat >check.mjs <<'JS'
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { createGenieClient, isGenieError } from "@genie/client";
const { createGenieClient: createFromRequire } = createRequire(import.meta.url)("@genie/client");
const genie = createGenieClient({ baseUrl: process.env.GENIE_URL, apiKey: process.env.GENIE_API_KEY });
const [endpoints, funnels, logs] = await Promise.all([
  genie.endpoints.list.query(),
  genie.funnels.list.query(),
  genie.logs.list.query({}),
]);
assert.equal(endpoints.length, 1, "one endpoint after two provisioning runs");
assert.equal(funnels.length, 1, "one funnel after two provisioning runs");
assert.deepEqual(logs.items, []);
const viaRequire = createFromRequire({ baseUrl: process.env.GENIE_URL, apiKey: "gk_unknown" });
const refused = await viaRequire.endpoints.list.query().catch((e) => e);
assert.ok(isGenieError(refused) && refused.reason === "unauthorized" && refused.status === 401);
console.log("  ESM import and CJS require: one endpoint, one funnel, logs listed; an unknown key is 401 unauthorized");
JS
node check.mjs

printf '\npack-check passed: %s\n' "$(basename "$tarball")"
