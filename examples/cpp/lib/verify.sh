# Shared steps of the examples' verify scripts (sourced, not run). Needs bash, curl and node.
#   source "$(dirname "$0")/../lib/verify.sh"
#   ap_start_authserver                    # AS_URL, ADMIN_URL, ADMIN_KEY
#   ap_create_resource demo "$URL/mcp" mcp:echo
#   ap_create_client mcp:echo              # CLIENT_ID, CLIENT_SECRET
#   TOKEN=$(ap_token mcp:echo "$URL/mcp")
#   ap_mcp_call "$URL/mcp" "$TOKEN" echo '{"text":"hi"}'
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
BIN=${AUTHPLANE_BIN:-$ROOT/build/bin}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/authplane-example.XXXXXX")
PIDS=()
MAIN_PID=$BASHPID

ap_cleanup() {
  [ "$BASHPID" = "$MAIN_PID" ] || return 0  # an ap_fail inside $(...) must not stop the servers
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap ap_cleanup EXIT

ap_fail() {
  echo "FAIL: $*" >&2
  for f in "$WORK"/*.log; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}
ap_ok() { echo "ok: $*"; }

ap_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# ap_json '<json>' 'a.b.0' → the value (strings unquoted, others as JSON); empty when absent.
ap_json() {
  node -e '
    let v = JSON.parse(process.argv[1]);
    for (const k of process.argv[2].split(".").filter(Boolean)) v = v == null ? undefined : v[k];
    if (v !== undefined) process.stdout.write(typeof v === "string" ? v : JSON.stringify(v));
  ' "$1" "$2"
}

# Waits until GET $1 answers (any status), up to 10 s.
ap_wait_http() {
  local i
  for i in $(seq 1 100); do
    curl -s -o /dev/null "$1" && return 0
    sleep 0.1
  done
  ap_fail "nothing answers at $1"
}

# ap_start NAME CMD... : starts a background process logging to $WORK/NAME.log.
ap_start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
}

ap_start_authserver() {
  local port admin_port
  port=$(ap_free_port); admin_port=$(ap_free_port)
  AS_URL="http://127.0.0.1:$port"
  ADMIN_URL="http://127.0.0.1:$admin_port"
  ADMIN_KEY=$(head -c 24 /dev/urandom | base64 | tr -d '/+=' | head -c 32)
  AUTHPLANE_SERVER_ISSUER="$AS_URL" AUTHPLANE_SERVER_ADDRESS="127.0.0.1:$port" \
    AUTHPLANE_ADMIN_ADDRESS="127.0.0.1:$admin_port" AUTHPLANE_ADMIN_API_KEY="$ADMIN_KEY" \
    AUTHPLANE_STORAGE_SQLITE_PATH="$WORK/authserver.db" AUTHPLANE_SIGNING_KEY_PATH="$WORK/keys" \
    AUTHPLANE_LOG_LEVEL=warn ap_start authserver "$BIN/authserver" serve
  ap_wait_http "$AS_URL/livez"
  ap_ok "authserver at $AS_URL"
}

ap_admin() {  # METHOD PATH [JSON]
  curl -s -X "$1" "$ADMIN_URL$2" -H "Authorization: Bearer $ADMIN_KEY" \
    -H 'Content-Type: application/json' ${3:+-d "$3"}
}

ap_create_resource() {  # SLUG URI SCOPE...
  local slug=$1 uri=$2 scopes="" s
  shift 2
  for s in "$@"; do scopes+="${scopes:+,}{\"name\":\"$s\",\"description\":\"$s\"}"; done
  local out
  out=$(ap_admin POST /admin/resources "{\"slug\":\"$slug\",\"uri\":\"$uri\",\"display_name\":\"$slug\",\"scopes\":[$scopes]}")
  [ "$(ap_json "$out" uri)" = "$uri" ] || ap_fail "create resource: $out"
  ap_ok "resource $uri registered"
}

ap_create_client() {  # SCOPES (space-separated) → CLIENT_ID, CLIENT_SECRET
  local out
  out=$(ap_admin POST /admin/clients "{\"client_name\":\"example-agent\",\"grant_types\":[\"client_credentials\"],\"token_endpoint_auth_method\":\"client_secret_basic\",\"scope\":\"$1\"}")
  CLIENT_ID=$(ap_json "$out" client_id); CLIENT_SECRET=$(ap_json "$out" client_secret)
  [ -n "$CLIENT_ID" ] && [ -n "$CLIENT_SECRET" ] || ap_fail "create client: $out"
  ap_ok "client $CLIENT_ID registered"
}

# DPoP: set DPOP_KEY to a key file path (created on first use) to bind tokens and send proofs.
ap_dpop() {  # METHOD URL [TOKEN] → proof on stdout
  node "$ROOT/examples/cpp/lib/dpop-proof.mjs" "$DPOP_KEY" proof "$1" "$2" "${3:-}"
}
ap_dpop_jkt() { node "$ROOT/examples/cpp/lib/dpop-proof.mjs" "$DPOP_KEY" jkt; }

ap_token() {  # SCOPE RESOURCE → access token on stdout (DPoP-bound when DPOP_KEY is set)
  local out proof=()
  [ -n "${DPOP_KEY:-}" ] && proof=(-H "DPoP: $(ap_dpop POST "$AS_URL/oauth/token")")
  out=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" "$AS_URL/oauth/token" "${proof[@]}" \
    -d grant_type=client_credentials --data-urlencode "scope=$1" --data-urlencode "resource=$2")
  local t
  t=$(ap_json "$out" access_token)
  [ -n "$t" ] || ap_fail "token request: $out"
  printf '%s' "$t"
}

# ap_expect_status EXPECTED URL CURL-ARGS... : one POST of an MCP initialize; checks the status.
ap_expect_status() {
  local want=$1 url=$2; shift 2
  local got
  got=$(curl -s -o "$WORK/last.body" -D "$WORK/last.headers" -w '%{http_code}' -X POST "$url" \
    -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"verify","version":"1"}}}' "$@")
  [ "$got" = "$want" ] || ap_fail "expected $want from $url, got $got: $(cat "$WORK/last.body")"
}

ap_header() {  # NAME → value from the last ap_expect_status / ap_mcp_call response
  grep -i "^$1:" "$WORK/last.headers" | head -n1 | cut -d' ' -f2- | tr -d '\r'
}

# Prints a fresh DPoP header argument pair for a POST to URL when DPOP_KEY is set.
ap_proof_args() {  # URL AUTH-HEADER
  [ -n "${DPOP_KEY:-}" ] || return 0
  printf '%s\n' -H "DPoP: $(ap_dpop POST "$1" "${2#* }")"
}

# ap_mcp_call URL AUTH-HEADER TOOL ARGS-JSON [EXTRA-CURL-ARGS...] : initialize, initialized,
# tools/call; prints the tools/call result JSON. AUTH-HEADER is e.g. "Bearer $TOKEN" (or
# "DPoP $TOKEN" with DPOP_KEY set: every request then carries a fresh proof).
ap_mcp_call() {
  local url=$1 authz=$2 tool=$3 args=$4; shift 4
  local hdr=(-H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream'
             -H "Authorization: $authz")
  local init p
  mapfile -t p < <(ap_proof_args "$url" "$authz")
  init=$(curl -s -D "$WORK/last.headers" -X POST "$url" "${hdr[@]}" "${p[@]}" "$@" \
    -d '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"verify","version":"1"}}}')
  local sid version
  sid=$(ap_header Mcp-Session-Id)
  version=$(ap_json "$init" result.protocolVersion)
  [ -n "$sid" ] && [ -n "$version" ] || ap_fail "initialize: $init"
  hdr+=(-H "Mcp-Session-Id: $sid" -H "MCP-Protocol-Version: $version")
  local code
  mapfile -t p < <(ap_proof_args "$url" "$authz")
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$url" "${hdr[@]}" "${p[@]}" "$@" \
    -d '{"jsonrpc":"2.0","method":"notifications/initialized"}')
  [ "$code" = 202 ] || ap_fail "notifications/initialized: $code"
  mapfile -t p < <(ap_proof_args "$url" "$authz")
  curl -s -D "$WORK/last.headers" -X POST "$url" "${hdr[@]}" "${p[@]}" "$@" \
    -d "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"$tool\",\"arguments\":$args}}"
}
