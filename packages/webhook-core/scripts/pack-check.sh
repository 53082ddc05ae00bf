#!/usr/bin/env bash
# Proves the published package works for someone outside this workspace: build, `pnpm pack`, install
# the tarball into a scratch project under /tmp with npm (its dependencies come from the npm registry),
# then load it through ESM `import` and CJS `require` (both entries), type-check both with tsc, and run
# every example shipped in the tarball as a user would: copied into their project, importing the package
# by name, type-checked, and answering the same requests as in test/examples.test.ts.
# Usage: bash scripts/pack-check.sh   (or: pnpm --filter @genie/webhook-core pack-check)
set -euo pipefail

package_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tsc="$package_dir/node_modules/.bin/tsc"
scratch="$(mktemp -d /tmp/webhook-core-pack-check.XXXXXX)"
trap 'rm -rf "$scratch"' EXIT
# The versions the workspace tests with, so the scratch project runs the same code.
version_of() { node -p "require('$package_dir/node_modules/$1/package.json').version"; }
example_deps=()
for dep in @types/node express @types/express fastify hono @hono/node-server tsx; do
  example_deps+=("$dep@$(version_of "$dep")")
done

step() { printf '\n== %s\n' "$*"; }

step "build"
(cd "$package_dir" && pnpm run build >/dev/null)

step "pack"
(cd "$package_dir" && pnpm pack --pack-destination "$scratch" >/dev/null)
tarball="$(ls "$scratch"/*.tgz)"
contents="$(tar -tzf "$tarball")"
echo "$contents" | sed 's/^/  /'
for file in dist/index.mjs dist/index.cjs dist/index.d.mts dist/index.d.cts dist/web.mjs dist/web.cjs \
  dist/web.d.mts dist/web.d.cts dist/retry-presets.mjs dist/retry-presets.cjs dist/retry-presets.d.mts \
  dist/retry-presets.d.cts README.md package.json examples/node-http.ts examples/express.ts \
  examples/fastify.ts examples/fetch.ts examples/hex.ts examples/send-test-webhook.ts; do
  grep -qx "package/$file" <<<"$contents" || { echo "missing from tarball: $file" >&2; exit 1; }
done
if grep -q "package/src/" <<<"$contents"; then echo "sources leaked into the tarball" >&2; exit 1; fi
manifest="$(tar -xOzf "$tarball" package/package.json)"
if grep -qE '"(catalog|workspace):' <<<"$manifest"; then echo "unresolved catalog:/workspace: specifier" >&2; exit 1; fi
if grep -q '"./src/' <<<"$manifest"; then echo "exports still point at src/ (publishConfig not applied)" >&2; exit 1; fi
# The web entry must stay free of Node built-ins and undici, or edge runtimes cannot load it.
# Statements only (line start): JSDoc examples in the bundle mention the package by name.
imports_of() { tar -xOzf "$tarball" "package/dist/$1" | grep -E '^(import|export) ' | grep -oE 'from "[^"]+"' || true; }
# Every import of an entry and of the chunks it pulls in, other than those chunks themselves.
outside_imports_of() {
  local found
  found="$(imports_of "$1")"
  for chunk in $(grep -oE '\./[A-Za-z0-9_-]+\.mjs' <<<"$found" | sort -u); do
    found+=$'\n'"$(imports_of "${chunk#./}")"
  done
  grep -vE 'from "\./' <<<"$found" | grep . || true
}
web_imports="$(outside_imports_of web.mjs)"
if [ -n "$web_imports" ]; then echo "the web entry imports: $web_imports" >&2; exit 1; fi
# The retry presets are plain data for browser bundles (the dashboard, through @genie/schemas).
preset_imports="$(outside_imports_of retry-presets.mjs)"
if [ -n "$preset_imports" ]; then echo "the retry-presets entry imports: $preset_imports" >&2; exit 1; fi

step "install into $scratch/app (npm)"
mkdir "$scratch/app"
cd "$scratch/app"
# ESM, like the examples (top-level await); the .cjs/.cts files below stay CommonJS by their extension.
echo '{ "name": "pack-check", "private": true, "type": "module" }' >package.json
npm install --no-audit --no-fund --loglevel=error "$tarball" "${example_deps[@]}" >/dev/null

cat >esm.mjs <<'JS'
import assert from "node:assert/strict";
import { createSsrfGuardedAgent, createWebhookVerifier, deliverOnce, generateSecret, GENIE_USER_AGENT, nextRetryDelay, RETRY_PRESETS, signWebhook } from "@genie/webhook-core";
import * as web from "@genie/webhook-core/web";
import { RETRY_PRESETS as PRESETS } from "@genie/webhook-core/retry-presets";
const secret = generateSecret();
const body = '{"event":"registration.submitted"}';
const headers = signWebhook({ id: "msg_1", body, secrets: secret });
assert.equal(createWebhookVerifier({ secrets: secret }).verify(body, headers).id, "msg_1");
assert.equal((await web.verifyWebhook(body, headers, { secrets: secret })).id, "msg_1");
assert.equal(nextRetryDelay(RETRY_PRESETS.standard, 1), 1000);
assert.equal(PRESETS.standard, RETRY_PRESETS.standard);
assert.equal(GENIE_USER_AGENT, "GenieAI/1.0");
const refused = await deliverOnce({ url: "http://127.0.0.1:9/", body, dispatcher: createSsrfGuardedAgent() });
assert.equal(refused.errorKind, "ssrf-blocked");
console.log("  ESM import: ok");
JS
cat >cjs.cjs <<'JS'
const assert = require("node:assert/strict");
const { createWebhookVerifier, generateSecret, isWebhookVerificationError, signWebhook } = require("@genie/webhook-core");
const web = require("@genie/webhook-core/web");
const secret = generateSecret();
const headers = signWebhook({ id: "msg_1", body: "{}", secrets: [secret] });
assert.equal(createWebhookVerifier({ secrets: secret }).verify(Buffer.from("{}"), headers).id, "msg_1");
try {
  createWebhookVerifier({ secrets: secret }).verify("{ }", headers);
  assert.fail("a changed body verified");
} catch (error) {
  assert.ok(isWebhookVerificationError(error) && error.reason === "no-matching-signature");
}
web.verifyWebhook("{}", headers, { secrets: secret }).then((v) => {
  assert.equal(v.id, "msg_1");
  console.log("  CJS require: ok");
});
JS
node esm.mjs
node cjs.cjs

step "types (tsc, module nodenext, ESM and CJS)"
cat >types.mts <<'TS'
import { type DeliveryResult, type Outcome, classifyOutcome, createWebhookVerifier, signWebhook, type VerifiedWebhook } from "@genie/webhook-core";
import { createWebhookVerifier as createWebVerifier } from "@genie/webhook-core/web";
const headers: Record<string, string> = signWebhook({ id: "a", body: "{}", secrets: "s" });
const verified: VerifiedWebhook = createWebhookVerifier({ secrets: "s" }).verify("{}", headers);
const later: Promise<VerifiedWebhook> = createWebVerifier({ secrets: "s" }).verify("{}", headers);
const result: DeliveryResult = { ok: false, statusCode: 503, durationMs: 1 };
const outcome: Outcome = classifyOutcome(result);
// @ts-expect-error the types are real: a number is not a secret
createWebhookVerifier({ secrets: 42 });
export { later, outcome, verified };
TS
cat >types.cts <<'TS'
import core = require("@genie/webhook-core");
import web = require("@genie/webhook-core/web");
const timestamp: number = core.createWebhookVerifier({ secrets: "s" }).verify("{}", {}).timestamp;
const pending: Promise<{ id: string }> = web.verifyWebhook("{}", {}, { secrets: "s" });
// @ts-expect-error the types are real: verify needs headers
core.verifyWebhook("{}");
export = { timestamp, pending };
TS
"$tsc" --noEmit --strict --module nodenext --moduleResolution nodenext --target es2022 --types node types.mts types.cts
echo "  tsc: ok"

step "examples from the tarball (tsc, then run on 127.0.0.1)"
cp -r node_modules/@genie/webhook-core/examples examples
cp "$package_dir/test/receivers.ts" "$package_dir/test/check-examples.ts" .
"$tsc" --noEmit --strict --skipLibCheck --module nodenext --moduleResolution nodenext --target es2022 \
  --types node examples/*.ts
echo "  tsc: ok"
node --import tsx check-examples.ts

printf '\npack-check passed: %s\n' "$(basename "$tarball")"
