// Starts the example binaries (build/bin/<name>) on a free loopback port and a tiny issuer made
// with jose (RFC 8414 metadata + JWKS served by node) so tests can mint any token they like.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import * as jose from 'jose';
import { BIN_DIR, freePort, sleep } from './server.mjs';

/**
 * Spawns build/bin/<name> with env (PORT and the given variables) and waits until its MCP path
 * answers. Returns {url, origin, port, proc, stderr(), stop()}. Killed at test teardown via t.after.
 */
export async function startExample(name, env, { t, mcpPath = '/mcp', readyTimeoutMs = 10_000 } = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(path.join(BIN_DIR, name), [], {
    env: { PATH: process.env.PATH, AUTHPLANE_BASE_URL: origin, PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  child.stdout.on('data', (d) => { err += d; });
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  let gone = null;
  exited.then((r) => { gone = r; });
  const ex = {
    port, origin, url: origin + mcpPath, proc: child, stderr: () => err, exited,
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  t?.after(() => ex.stop());
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (gone) throw new Error(`${name} exited (code=${gone.code})\n${err.slice(-4000)}`);
    try {
      const res = await fetch(ex.url, { method: 'GET', signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      break;
    } catch { /* not up yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} not ready within ${readyTimeoutMs} ms\n${err.slice(-4000)}`);
    }
    await sleep(50);
  }
  return ex;
}

/**
 * A minimal issuer: metadata at /.well-known/oauth-authorization-server and a JWKS with one
 * ES256 key (kid "k1"). mint(claims, {header, key}) signs an access token with it.
 */
export async function startJoseIssuer({ t } = {}) {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { publicKey, privateKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const other = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const metadata = {
    issuer,
    jwks_uri: `${issuer}/jwks`,
    token_endpoint: `${issuer}/token`,
    response_types_supported: ['code'],
  };
  const server = http.createServer((req, res) => {
    const body = req.url === '/.well-known/oauth-authorization-server' ? metadata
      : req.url === '/jwks' ? { keys: [jwk] } : null;
    res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body ?? { error: 'not_found' }));
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  t?.after(() => new Promise((r) => server.close(r)));

  const now = () => Math.floor(Date.now() / 1000);
  return {
    issuer,
    /** Signs claims (defaults: iss, sub, client_id, jti, iat, exp) with header defaults typ at+jwt, kid k1. */
    async mint(claims = {}, { header = {}, wrongKey = false } = {}) {
      const payload = {
        iss: issuer, sub: 'user-1', client_id: 'cli-1', jti: crypto.randomUUID(),
        iat: now(), exp: now() + 300, ...claims,
      };
      for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
      return new jose.SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...header })
        .sign(wrongKey ? other.privateKey : privateKey);
    },
    now,
  };
}

/** One MCP initialize POST with optional extra headers; returns {status, headers, text, json}. */
export async function mcpInitialize(url, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'interop', version: '1' } },
    }),
  });
  const text = await res.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, headers: res.headers, text, json };
}
