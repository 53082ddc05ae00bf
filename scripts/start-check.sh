#!/usr/bin/env bash
# The README's two commands on a clean clone, as a new user runs them: `pnpm install && pnpm start`
# builds what is missing and starts the compiled server. Checks that /healthz answers ok and that no
# TypeScript runner (tsx) is anywhere in the running server's process tree.
# Usage: bash scripts/start-check.sh   (CI runs it; it clones the committed HEAD into /tmp)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
scratch="$(mktemp -d /tmp/genie-start-check.XXXXXX)"
server_pid=""
cleanup() {
  # The whole process group started below (pnpm, its shell, node), by its id.
  if [ -n "$server_pid" ]; then kill -TERM -- "-$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "clean clone of HEAD into $scratch/genie"
git clone --quiet --no-hardlinks "$repo" "$scratch/genie"
cd "$scratch/genie"

step "pnpm install"
pnpm install --frozen-lockfile --reporter=silent

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
step "pnpm start (port $port, embedded database in $scratch/data)"
# Its own process group, so the check can stop exactly what it started.
PORT="$port" GENIE_DATA_DIR="$scratch/data" LOG_LEVEL=warn setsid pnpm start >"$scratch/start.log" 2>&1 &
server_pid=$!

healthy=""
for _ in $(seq 1 600); do
  if body="$(curl -sf "http://127.0.0.1:$port/healthz" 2>/dev/null)"; then healthy="$body"; break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ -z "$healthy" ] || ! grep -q '"status":"ok"' <<<"$healthy"; then
  echo "the server did not become healthy; its output:" >&2
  cat "$scratch/start.log" >&2
  exit 1
fi
echo "  /healthz: $healthy"

# Every process of the tree under `pnpm start`, with its command line.
tree() {
  local pid="$1"
  ps -o pid=,args= -p "$pid" 2>/dev/null || true
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do tree "$child"; done
}
processes="$(tree "$server_pid")"
echo "$processes" | sed 's/^/  /'
if grep -E '(^|[/ ])tsx( |$)|/tsx/|tsx/dist' <<<"$processes"; then
  echo "a tsx process runs in the server's tree" >&2
  exit 1
fi
if ! grep -qE 'node (--[^ ]+ )*apps/server/dist/main.mjs' <<<"$processes"; then
  echo "the compiled server (node apps/server/dist/main.mjs) is not running" >&2
  exit 1
fi
echo "start check: ok (healthy, compiled server, no tsx)"
