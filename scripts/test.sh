#!/usr/bin/env bash
# Sets everything up (scripts/setup.sh) and runs every test: unit and storage tests (ctest),
# then end-to-end and interop tests (node's test runner) against the real binaries, then the MCP
# conformance suite (tests/conformance/run.sh).
# Usage: scripts/test.sh [--sanitize]     (--sanitize: ASan+UBSan build in build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=build
SETUP_ARGS=()
if [ "${1:-}" = "--sanitize" ]; then
  BUILD_DIR=build-asan
  SETUP_ARGS=(--sanitize)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
scripts/setup.sh --build-dir "$BUILD_DIR" "${SETUP_ARGS[@]}"

failed=0
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" || failed=1

if [ -f tests/package.json ]; then
  (cd tests && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  export AUTHPLANE_BIN="$PWD/$BUILD_DIR/bin"
  node --test --test-concurrency=1 tests/e2e/ tests/interop/ || failed=1
fi

# The official MCP conformance suite's server scenarios against the libs/mcp example server
# (it brings its own Node 22 as an npm package).
if [ -f tests/conformance/package.json ]; then
  (cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  tests/conformance/run.sh "$PWD/$BUILD_DIR/bin/mcp-conformance-server" || failed=1
  tests/conformance/run-authorization.sh "$PWD/$BUILD_DIR/bin" || failed=1
fi

if [ $failed -ne 0 ]; then
  echo "test.sh: FAILED"
  exit 1
fi
echo "test.sh: all suites passed"
