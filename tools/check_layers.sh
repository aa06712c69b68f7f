#!/usr/bin/env bash
# Fails when a source file includes a component that is not below it in the layer list
# (docs/architecture.md). Run by ctest as the `layering` test.
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# component directory | include prefix | allowed include prefixes (besides its own)
layers='
libs/core|core|
libs/crypto|crypto|core
libs/jose|jose|core crypto
libs/http|http|core
libs/mcp|mcp|core http
sdk|sdk|core crypto jose http mcp
server/domain|domain|core
server/ports|ports|core domain
server/config|config|core
server/services|services|core crypto jose domain ports
server/storage/sqlite|storage/sqlite|core domain ports
server/storage/postgres|storage/postgres|core domain ports
server/storage/keyfile|storage/keyfile|core domain ports
server/storage/memory|storage/memory|core domain ports
server/api|api|core http domain ports
examples|examples|core crypto jose http mcp sdk
'

status=0
while IFS='|' read -r dir own allowed; do
  [ -n "$dir" ] || continue
  [ -d "$dir" ] || continue
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*[<"]authplane\/([a-z_]+(\/(sqlite|postgres|keyfile|memory))?)\/.*/\1/' <<<"$line")
    [ "$inc" = "$own" ] && continue
    ok=0
    for a in $allowed; do [ "$inc" = "$a" ] && ok=1; done
    if [ $ok -eq 0 ]; then
      echo "layering: $file includes authplane/$inc, which $dir may not depend on" >&2
      status=1
    fi
  done < <(grep -rnE '#include [<"]authplane/' "$dir" --include='*.hpp' --include='*.cpp' --include='*.h' || true)
done <<<"$layers"

if [ $status -eq 0 ]; then echo "layering: ok"; fi
exit $status
