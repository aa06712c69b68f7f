#!/usr/bin/env bash
# Runs the server before and after the retrofit: before, an anonymous tools/call succeeds; after,
# it gets 401 with the resource-metadata challenge and a token for mcp:tools is needed.
source "$(dirname "$0")/../lib/verify.sh"

ap_start_authserver
BEFORE_PORT=$(ap_free_port)
AFTER_PORT=$(ap_free_port)
BEFORE_URL="http://127.0.0.1:$BEFORE_PORT/mcp"
AFTER_URL="http://127.0.0.1:$AFTER_PORT/mcp"

PORT=$BEFORE_PORT ap_start before "$BIN/retrofit-before"
ap_wait_http "$BEFORE_URL"
out=$(ap_mcp_call "$BEFORE_URL" "Bearer anything-goes" add '{"a":2,"b":40}')
[ "$(ap_json "$out" result.content.0.text)" = 42 ] || ap_fail "before: $out"
ap_ok "before: anyone may call add (2+40=42)"

ap_create_resource retrofit-demo "$AFTER_URL" mcp:tools
ap_create_client mcp:tools
AUTHPLANE_ISSUER="$AS_URL" AUTHPLANE_BASE_URL="http://127.0.0.1:$AFTER_PORT" PORT=$AFTER_PORT \
  ap_start after "$BIN/retrofit-after"
ap_wait_http "$AFTER_URL"

ap_expect_status 401 "$AFTER_URL"
want="Bearer scope=\"mcp:tools\", resource_metadata=\"http://127.0.0.1:$AFTER_PORT/.well-known/oauth-protected-resource/mcp\""
[ "$(ap_header WWW-Authenticate)" = "$want" ] || ap_fail "after: challenge $(ap_header WWW-Authenticate)"
ap_ok "after: 401 without a token"
ap_expect_status 401 "$AFTER_URL" -H "Authorization: Bearer anything-goes"
ap_ok "after: 401 with a made-up token"

TOKEN=$(ap_token mcp:tools "$AFTER_URL")
out=$(ap_mcp_call "$AFTER_URL" "Bearer $TOKEN" shout '{"text":"hello"}')
[ "$(ap_json "$out" result.content.0.text)" = HELLO ] || ap_fail "after: $out"
ap_ok "after: shout with a token → HELLO"
echo "retrofit-existing-mcp-server: verified"
