#!/usr/bin/env bash
# Access-token verification benchmark, one core: AuthPlane's resource_guard (uncached and cached)
# vs `openssl speed ecdsap256` vs jose (Node) on the very same ES256 tokens.
# Expects an existing build (build/bin/verify_bench; this script builds nothing) and reuses the
# test dependencies in tests/node_modules (installed with `npm ci` if missing). Method and caveats:
# docs/performance.md.
#
# Usage: bench/verify_bench.sh
#   env: BENCH_SECONDS=3 BENCH_TOKENS=10000 BENCH_JSON=bench/results/verify.json AUTHPLANE_BIN=build/bin
set -euo pipefail
cd "$(dirname "$0")/.."

export AUTHPLANE_BIN="${AUTHPLANE_BIN:-$PWD/build/bin}"
if [ ! -x "$AUTHPLANE_BIN/verify_bench" ]; then
  echo "verify_bench: $AUTHPLANE_BIN/verify_bench not found; build it first (cmake --build build --target verify_bench)" >&2
  exit 2
fi
if ! command -v openssl >/dev/null; then
  echo "verify_bench: the openssl command-line tool is needed for 'openssl speed'" >&2
  exit 2
fi
if [ ! -d tests/node_modules/jose ]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
exec node bench/verify_bench.mjs "$@"
