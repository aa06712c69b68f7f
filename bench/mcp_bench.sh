#!/usr/bin/env bash
# Protected MCP tools/call benchmark: AuthPlane's C++ MCP server with and without the SDK guard vs
# the MCP TypeScript SDK (requireBearerAuth + jose) and a plain express + jose endpoint, 64
# keep-alive connections, a real authserver and a real token.
# Expects an existing build (build/bin/authserver, retrofit-before, retrofit-after; this script
# builds nothing) and reuses the test dependencies in tests/node_modules (installed with `npm ci`
# if missing). Everything it starts is stopped on exit. Method and caveats: docs/performance.md.
#
# Usage: bench/mcp_bench.sh
#   env: BENCH_DURATION=10 BENCH_WARMUP=3 BENCH_CONNECTIONS=64 BENCH_THREADS=2 BENCH_TOOL=wrk|autocannon
#        BENCH_ONLY=protected,unprotected,sdk,express BENCH_JSON=bench/results/mcp.json AUTHPLANE_BIN=build/bin
set -euo pipefail
cd "$(dirname "$0")/.."

export AUTHPLANE_BIN="${AUTHPLANE_BIN:-$PWD/build/bin}"
if [ ! -x "$AUTHPLANE_BIN/authserver" ]; then  # mcp_bench.mjs checks retrofit-before/-after
  echo "mcp_bench: $AUTHPLANE_BIN/authserver not found; build it first (scripts/setup.sh)" >&2
  exit 2
fi
if [ ! -d tests/node_modules/@modelcontextprotocol/sdk ] || [ ! -d tests/node_modules/express ] || [ ! -d tests/node_modules/jose ]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec node bench/mcp_bench.mjs "$@"
