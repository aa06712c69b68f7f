#!/usr/bin/env bash
# Sign-in cost (Argon2id) and login floods: login latency alone, and the token endpoint's
# throughput/p99 with and without a concurrent flood of bad logins. Expects an existing build
# (build/bin/authserver; builds nothing) and wrk. Method: docs/performance.md ("Login cost and
# login floods").
#
# Usage: bench/login_bench.sh
#   env: BENCH_DURATION=10 BENCH_LOGINS=20 BENCH_TOKEN_CONNECTIONS=16 BENCH_FLOOD_CONNECTIONS=128
#        BENCH_THREADS=1 BENCH_JSON=bench/results/login.json AUTHPLANE_BIN=build/bin
set -euo pipefail
cd "$(dirname "$0")/.."

export AUTHPLANE_BIN="${AUTHPLANE_BIN:-$PWD/build/bin}"
if [ ! -x "$AUTHPLANE_BIN/authserver" ]; then
  echo "login_bench: $AUTHPLANE_BIN/authserver not found; build it first (scripts/setup.sh)" >&2
  exit 2
fi
if ! command -v wrk >/dev/null; then
  echo "login_bench: wrk not found (apt-get install wrk)" >&2
  exit 2
fi
exec node bench/login_bench.mjs "$@"
