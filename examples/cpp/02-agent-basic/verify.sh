#!/usr/bin/env bash
# Starts authserver, the echo server (example 01) and this agent. A caller with scope
# agent:relay calls the agent's relay tool; the agent gets its own client-credentials token for
# the echo server and calls it. Without a token the agent answers 401.
source "$(dirname "$0")/../lib/verify.sh"

ap_start_authserver
ECHO_PORT=$(ap_free_port)
AGENT_PORT=$(ap_free_port)
ECHO_URL="http://127.0.0.1:$ECHO_PORT/mcp"
AGENT_URL="http://127.0.0.1:$AGENT_PORT/mcp"
ap_create_resource echo-server "$ECHO_URL" mcp:echo
ap_create_resource agent "$AGENT_URL" agent:relay

ap_create_client mcp:echo               # the agent's own identity towards the echo server
AGENT_ID=$CLIENT_ID AGENT_SECRET=$CLIENT_SECRET
ap_create_client agent:relay            # the caller of the agent

AUTHPLANE_ISSUER="$AS_URL" AUTHPLANE_BASE_URL="http://127.0.0.1:$ECHO_PORT" PORT=$ECHO_PORT \
  ap_start echo "$BIN/mcp-server-basic"
AUTHPLANE_ISSUER="$AS_URL" AUTHPLANE_BASE_URL="http://127.0.0.1:$AGENT_PORT" PORT=$AGENT_PORT \
  AUTHPLANE_CLIENT_ID="$AGENT_ID" AUTHPLANE_CLIENT_SECRET="$AGENT_SECRET" ECHO_MCP_URL="$ECHO_URL" \
  ap_start agent "$BIN/agent-basic"
ap_wait_http "$ECHO_URL"
ap_wait_http "$AGENT_URL"

ap_expect_status 401 "$AGENT_URL"
ap_ok "agent: 401 without a token: $(ap_header WWW-Authenticate)"

ECHO_TOKEN=$(ap_token mcp:echo "$ECHO_URL" 2>/dev/null) || true
[ -z "$ECHO_TOKEN" ] || ap_fail "the caller's client must not get an echo-server token"
ap_ok "the caller's own client cannot get a token for the echo server"

TOKEN=$(ap_token agent:relay "$AGENT_URL")
out=$(ap_mcp_call "$AGENT_URL" "Bearer $TOKEN" relay '{"text":"hello"}')
text=$(ap_json "$out" result.content.0.text)
[ "$text" = "relayed: echo from $AGENT_ID: hello" ] || ap_fail "relay: $out"
ap_ok "relay → $text (the echo server saw the agent's client id)"
out=$(ap_mcp_call "$AGENT_URL" "Bearer $TOKEN" relay '{"text":"again"}')
[ "$(ap_json "$out" result.content.0.text)" = "relayed: echo from $AGENT_ID: again" ] || ap_fail "relay 2: $out"
issued=$(ap_admin GET "/admin/tokens?client_id=$AGENT_ID")
[ "$(ap_json "$issued" tokens.length)" = 1 ] || ap_fail "agent tokens issued: $issued"
ap_ok "two relays, one token issued to the agent (client-credentials cache)"
echo "02-agent-basic: verified"
