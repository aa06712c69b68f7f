// Node comparison servers for bench/mcp_bench.sh: a `shout` tool behind bearer-token checks that
// verify ES256 access tokens with jose against the authserver's JWKS.
//
// Usage: node bench/mcp-node-server.mjs   (configured through environment variables)
//   MODE       sdk      the MCP TypeScript SDK (McpServer + StreamableHTTPServerTransport, stateful
//                       sessions, JSON responses) on express behind the SDK's requireBearerAuth
//              express  a plain express POST /mcp handler: same token check, echoes the JSON-RPC
//                       result of shout without any MCP machinery
//   PORT       listen port on 127.0.0.1 (required)
//   ISSUER     the authorization server's issuer (its JWKS is taken from its metadata)
//   RESOURCE   the audience tokens must carry (default http://127.0.0.1:$PORT/mcp)
//   SCOPE      required scope (default mcp:tools)
// Prints "READY <url>" on stdout once listening.
//
// Dependencies are resolved from tests/node_modules (the bench reuses the test dependencies):
// @modelcontextprotocol/sdk 1.32.2, express 5, jose 6, zod.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const requireFromTests = createRequire(path.resolve(import.meta.dirname, '..', 'tests', 'package.json'));
const jose = await import(pathToFileURL(requireFromTests.resolve('jose')).href);
const express = requireFromTests('express');

const MODE = process.env.MODE ?? 'sdk';
const PORT = Number(process.env.PORT);
if (!PORT) {
  console.error('PORT is required');
  process.exit(2);
}
const ISSUER = process.env.ISSUER;
if (!ISSUER) {
  console.error('ISSUER is required');
  process.exit(2);
}
const RESOURCE = process.env.RESOURCE ?? `http://127.0.0.1:${PORT}/mcp`;
const SCOPE = process.env.SCOPE ?? 'mcp:tools';

// The same checks as the C++ guard: signature by a key of the issuer's JWKS (fetched once and
// cached by jose), ES256/RS256 only, typ at+jwt, iss, aud, exp/nbf; then the scope.
const meta = await (await fetch(`${ISSUER}/.well-known/oauth-authorization-server`)).json();
const JWKS = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
const verifyOptions = { issuer: ISSUER, audience: RESOURCE, typ: 'at+jwt', algorithms: ['ES256', 'RS256'] };
async function verify(token) {
  const { payload } = await jose.jwtVerify(token, JWKS, verifyOptions);
  return payload;
}
const shout = (text) => String(text).toUpperCase();

const app = express();
if (MODE === 'sdk') {
  const { McpServer } = requireFromTests('@modelcontextprotocol/sdk/server/mcp.js');
  const { StreamableHTTPServerTransport } = requireFromTests('@modelcontextprotocol/sdk/server/streamableHttp.js');
  const { requireBearerAuth } = requireFromTests('@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js');
  const { InvalidTokenError } = requireFromTests('@modelcontextprotocol/sdk/server/auth/errors.js');
  const { isInitializeRequest } = requireFromTests('@modelcontextprotocol/sdk/types.js');
  const z = requireFromTests('zod');

  const verifier = {
    async verifyAccessToken(token) {
      let p;
      try {
        p = await verify(token);
      } catch (e) {
        throw new InvalidTokenError(e.message);
      }
      return {
        token,
        clientId: String(p.client_id ?? p.sub ?? ''),
        scopes: typeof p.scope === 'string' ? p.scope.split(' ').filter(Boolean) : [],
        expiresAt: p.exp,
        extra: { sub: p.sub },
      };
    },
  };
  const url = new URL(RESOURCE);
  const auth = requireBearerAuth({
    verifier,
    requiredScopes: [SCOPE],
    resourceMetadataUrl: `${url.origin}/.well-known/oauth-protected-resource${url.pathname}`,
  });

  // Stateful mode as in the SDK's express example: one transport + McpServer per session.
  const transports = new Map();
  function newServer() {
    const server = new McpServer({ name: 'bench-sdk', version: '1.0.0' });
    server.registerTool('shout', { description: 'Upper-case the text', inputSchema: { text: z.string() } },
      async ({ text }) => ({ content: [{ type: 'text', text: shout(text) }] }));
    return server;
  }
  app.use(express.json());
  app.post('/mcp', auth, async (req, res) => {
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      if (sid || !isInitializeRequest(req.body)) {
        res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'Bad Request: no valid session' }, id: null });
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => crypto.randomUUID(),
        enableJsonResponse: true,  // answer application/json like the C++ server (no SSE framing)
        onsessioninitialized: (id) => { transports.set(id, transport); },
      });
      transport.onclose = () => { if (transport.sessionId) transports.delete(transport.sessionId); };
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, req.body);
  });
} else if (MODE === 'express') {
  // No MCP: the token check and a JSON-RPC-shaped echo of shout, the least any Node server does.
  app.use(express.json());
  app.post('/mcp', async (req, res) => {
    const h = req.headers.authorization ?? '';
    const sp = h.indexOf(' ');
    if (sp < 0 || h.slice(0, sp).toLowerCase() !== 'bearer') {
      res.status(401).set('WWW-Authenticate', 'Bearer').json({ error: 'invalid_token' });
      return;
    }
    let p;
    try {
      p = await verify(h.slice(sp + 1));
    } catch {
      res.status(401).set('WWW-Authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
      return;
    }
    if (typeof p.scope !== 'string' || !p.scope.split(' ').includes(SCOPE)) {
      res.status(403).json({ error: 'insufficient_scope' });
      return;
    }
    const text = req.body?.params?.arguments?.text ?? '';
    res.json({ jsonrpc: '2.0', id: req.body?.id ?? null, result: { content: [{ type: 'text', text: shout(text) }] } });
  });
} else {
  console.error(`unknown MODE ${MODE}`);
  process.exit(2);
}

process.on('SIGTERM', () => process.exit(0));  // a normal exit (writes --cpu-prof profiles)
app.listen(PORT, '127.0.0.1', () => console.log(`READY http://127.0.0.1:${PORT}/mcp`));
