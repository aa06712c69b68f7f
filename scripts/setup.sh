#!/usr/bin/env bash
# Installs what is missing on a Debian 12 machine (apt-get) and builds everything into build/.
# Usage: scripts/setup.sh [--build-dir DIR] [--sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=build
SANITIZE=OFF
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --sanitize) SANITIZE=ON; shift ;;
    *) echo "unknown option: $1" >&2; exit 2 ;;
  esac
done

PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git curl ca-certificates
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-system1.81-dev
  libssl-dev openssl libsqlite3-dev sqlite3 libpq-dev postgresql libsodium-dev
  libspdlog-dev libcli11-dev libyaml-cpp-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  clang libclang-rt-14-dev wrk chromium
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null; then
  echo "setup: installing nodejs and npm (test tools only)"
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

LAUNCHER=()
if command -v ccache >/dev/null; then
  LAUNCHER=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  # Share cached objects between clones of the repository (CI builds in a fresh clone).
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
BUILD_TYPE=RelWithDebInfo
[ "$SANITIZE" = ON ] && BUILD_TYPE=Debug
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE="$BUILD_TYPE" -DAUTHPLANE_SANITIZE="$SANITIZE" -DAUTHPLANE_ONLY= "${LAUNCHER[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
