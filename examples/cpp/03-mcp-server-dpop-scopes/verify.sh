#!/usr/bin/env bash
# Starts authserver and this example; proves that bearer tokens, missing and replayed proofs are
# refused, that each tool enforces its own scope, and that DPoP-bound calls succeed.
source "$(dirname "$0")/../lib/verify.sh"

ap_start_authserver
PORT=$(ap_free_port)
MCP_URL="http://127.0.0.1:$PORT/mcp"
ap_create_resource notes-server "$MCP_URL" notes:read notes:write
ap_create_client "notes:read notes:write"

AUTHPLANE_ISSUER="$AS_URL" AUTHPLANE_BASE_URL="http://127.0.0.1:$PORT" PORT=$PORT \
  ap_start server "$BIN/mcp-server-dpop-scopes"
ap_wait_http "$MCP_URL"

ap_expect_status 401 "$MCP_URL"
ap_ok "401 without a token: $(ap_header WWW-Authenticate)"

BEARER=$(ap_token notes:read "$MCP_URL")
ap_expect_status 401 "$MCP_URL" -H "Authorization: Bearer $BEARER"
case "$(ap_header WWW-Authenticate)" in
  *'DPoP error="invalid_token"'*) ap_ok "bearer token refused: $(ap_header WWW-Authenticate)" ;;
  *) ap_fail "bearer token challenge: $(ap_header WWW-Authenticate)" ;;
esac

export DPOP_KEY="$WORK/dpop-key.json"
READER=$(ap_token notes:read "$MCP_URL")
jkt=$(ap_json "$(node -e 'console.log(Buffer.from(process.argv[1].split(".")[1],"base64url").toString())' "$READER")" cnf.jkt)
[ "$jkt" = "$(ap_dpop_jkt)" ] || ap_fail "token not bound to our key: cnf.jkt=$jkt"
ap_ok "DPoP-bound token, cnf.jkt=$jkt"

ap_expect_status 401 "$MCP_URL" -H "Authorization: DPoP $READER"
ap_ok "bound token without a proof refused: $(ap_header WWW-Authenticate)"

PROOF=$(ap_dpop POST "$MCP_URL" "$READER")
ap_expect_status 200 "$MCP_URL" -H "Authorization: DPoP $READER" -H "DPoP: $PROOF"
ap_expect_status 401 "$MCP_URL" -H "Authorization: DPoP $READER" -H "DPoP: $PROOF"
ap_ok "replayed proof refused: $(ap_header WWW-Authenticate)"

out=$(ap_mcp_call "$MCP_URL" "DPoP $READER" add_note '{"text":"buy milk"}')
code=$(head -n1 "$WORK/last.headers" | cut -d' ' -f2)
[ "$code" = 403 ] || ap_fail "add_note with notes:read only: $code $out"
ap_ok "add_note without notes:write → 403 $(ap_header WWW-Authenticate)"

WRITER=$(ap_token "notes:read notes:write" "$MCP_URL")
out=$(ap_mcp_call "$MCP_URL" "DPoP $WRITER" add_note '{"text":"buy milk"}')
[ "$(ap_json "$out" result.content.0.text)" = "stored note #1" ] || ap_fail "add_note: $out"
out=$(ap_mcp_call "$MCP_URL" "DPoP $READER" list_notes '{}')
[ "$(ap_json "$out" result.structuredContent.notes.0)" = "buy milk" ] || ap_fail "list_notes: $out"
ap_ok "add_note and list_notes with DPoP-bound tokens"
echo "03-mcp-server-dpop-scopes: verified"
