#!/usr/bin/env bash
# Token-endpoint benchmark: AuthPlane C++ authserver vs oidc-provider, client_credentials → ES256 JWT.
# Expects an existing build (build/bin/authserver; this script builds nothing) and reuses the test
# dependencies in tests/node_modules (installed with `npm ci` if missing). Everything it starts is
# stopped on exit. Method and caveats: docs/performance.md.
#
# Usage: bench/token_bench.sh
#   env: BENCH_DURATION=15 BENCH_CONNECTIONS=64 BENCH_THREADS=4 BENCH_TOOL=wrk|autocannon
#        BENCH_ONLY=authserver|oidc-provider BENCH_JSON=bench/results/latest.json AUTHPLANE_BIN=build/bin
set -euo pipefail
cd "$(dirname "$0")/.."

export AUTHPLANE_BIN="${AUTHPLANE_BIN:-$PWD/build/bin}"
if [ ! -x "$AUTHPLANE_BIN/authserver" ]; then
  echo "token_bench: $AUTHPLANE_BIN/authserver not found; build it first (scripts/setup.sh)" >&2
  exit 2
fi
if [ ! -d tests/node_modules/oidc-provider ] || [ ! -d tests/node_modules/autocannon ]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec node bench/token_bench.mjs "$@"
