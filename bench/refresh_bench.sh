#!/usr/bin/env bash
# Refresh-token grant benchmark (rotation included): AuthPlane C++ authserver vs oidc-provider.
# Expects an existing build (build/bin/authserver; this script builds nothing) and reuses the test
# dependencies in tests/node_modules (installed with `npm ci` if missing). Everything it starts is
# stopped on exit. Method and caveats: docs/performance.md ("Refresh token grant vs oidc-provider").
#
# Usage: bench/refresh_bench.sh
#   env: BENCH_DURATION=10 BENCH_WARMUP=2 BENCH_CONNECTIONS=64 BENCH_THREADS=2 BENCH_TOOL=wrk|node
#        BENCH_ONLY=authserver|oidc-provider BENCH_JSON=bench/results/refresh.json AUTHPLANE_BIN=build/bin
set -euo pipefail
cd "$(dirname "$0")/.."

export AUTHPLANE_BIN="${AUTHPLANE_BIN:-$PWD/build/bin}"
if [ ! -x "$AUTHPLANE_BIN/authserver" ]; then
  echo "refresh_bench: $AUTHPLANE_BIN/authserver not found; build it first (scripts/setup.sh)" >&2
  exit 2
fi
if [ ! -d tests/node_modules/oidc-provider ] || [ ! -d tests/node_modules/jose ]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec node bench/refresh_bench.mjs "$@"
