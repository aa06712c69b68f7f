#!/usr/bin/env bash
# Starts authserver and this example, registers the resource and a client over the admin API,
# proves 401 without a token, gets a token and calls the echo tool.
source "$(dirname "$0")/../lib/verify.sh"

ap_start_authserver
PORT=$(ap_free_port)
MCP_URL="http://127.0.0.1:$PORT/mcp"
ap_create_resource echo-server "$MCP_URL" mcp:echo
ap_create_client mcp:echo

AUTHPLANE_ISSUER="$AS_URL" AUTHPLANE_BASE_URL="http://127.0.0.1:$PORT" PORT=$PORT \
  ap_start server "$BIN/mcp-server-basic"
ap_wait_http "$MCP_URL"

ap_expect_status 401 "$MCP_URL"
want="Bearer scope=\"mcp:echo\", resource_metadata=\"http://127.0.0.1:$PORT/.well-known/oauth-protected-resource/mcp\""
[ "$(ap_header WWW-Authenticate)" = "$want" ] || ap_fail "challenge: $(ap_header WWW-Authenticate)"
ap_ok "401 without a token: $want"

prm=$(curl -s "http://127.0.0.1:$PORT/.well-known/oauth-protected-resource/mcp")
[ "$(ap_json "$prm" authorization_servers.0)" = "$AS_URL" ] || ap_fail "metadata: $prm"
ap_ok "protected resource metadata names $AS_URL"

ap_expect_status 401 "$MCP_URL" -H "Authorization: Bearer not-a-token"
ap_ok "401 with a garbage token"

TOKEN=$(ap_token mcp:echo "$MCP_URL")
out=$(ap_mcp_call "$MCP_URL" "Bearer $TOKEN" echo '{"text":"hello"}')
text=$(ap_json "$out" result.content.0.text)
[ "$text" = "echo from $CLIENT_ID: hello" ] || ap_fail "tools/call: $out"
ap_ok "tools/call echo → $text"
echo "01-mcp-server-basic: verified"
