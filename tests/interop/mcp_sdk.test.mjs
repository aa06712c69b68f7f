// The MCP TypeScript SDK's client (with its client-credentials auth provider) against example 01
// protected by the C++ SDK and the real authserver: 401 → protected resource metadata →
// authorization server metadata → token → initialize → tools/call, with nothing configured but
// the server URL and the client's credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { startAuthserver } from '../lib/server.mjs';
import { startExample } from '../lib/examples.mjs';

async function setup(t) {
  const as = await startAuthserver({ t });
  // The example's URL is only known once it listens; register the resource right after start.
  const ex = await startExample('mcp-server-basic', { AUTHPLANE_ISSUER: as.issuer }, { t });
  await as.createResource({ slug: 'echo', uri: ex.url, scopes: ['mcp:echo'] });
  return { as, ex };
}

// Records every request the SDK client makes (method, url, status) without changing it.
function recordingFetch(log) {
  return async (url, init) => {
    const res = await fetch(url, init);
    log.push({ method: init?.method ?? 'GET', url: String(url), status: res.status });
    return res;
  };
}

test('TS SDK client discovers, gets a token and calls echo through example 01', async (t) => {
  const { as, ex } = await setup(t);
  const cli = await as.createClient({ scope: 'mcp:echo' });
  const log = [];
  const transport = new StreamableHTTPClientTransport(new URL(ex.url), {
    authProvider: new ClientCredentialsProvider({ clientId: cli.client_id, clientSecret: cli.client_secret, scope: 'mcp:echo', expectedIssuer: as.issuer }),
    fetch: recordingFetch(log),
  });
  const client = new Client({ name: 'interop', version: '1.0.0' });
  await client.connect(transport);
  t.after(() => client.close());

  const tools = await client.listTools();
  assert.deepEqual(tools.tools.map((x) => x.name), ['echo']);
  const r = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
  assert.deepEqual(r.content, [{ type: 'text', text: `echo from ${cli.client_id}: hi` }]);

  const path = (u) => new URL(u).pathname;
  const steps = log.map((e) => `${e.method} ${path(e.url)} ${e.status}`);
  assert.deepEqual(steps.slice(0, 4), [
    'POST /mcp 401',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'POST /oauth/token 200',
  ]);
  assert.equal(steps[4], 'POST /mcp 200');
  assert.ok(log[1].url.startsWith(ex.origin), 'PRM fetched from the resource');
  assert.ok(log[2].url.startsWith(as.issuer), 'AS metadata fetched from the issuer');
});

test('TS SDK client with a scope the resource does not grant is refused', async (t) => {
  const { as, ex } = await setup(t);
  await as.createResource({ slug: 'other', uri: 'http://127.0.0.1:1/other', scopes: ['other:x'] });
  const cli = await as.createClient({ scope: 'other:x' });
  const transport = new StreamableHTTPClientTransport(new URL(ex.url), {
    authProvider: new ClientCredentialsProvider({ clientId: cli.client_id, clientSecret: cli.client_secret, scope: 'other:x', expectedIssuer: as.issuer }),
  });
  const client = new Client({ name: 'interop', version: '1.0.0' });
  await assert.rejects(client.connect(transport), { name: 'InvalidScopeError', message: 'scope "other:x" is not defined for resource "echo"' });
});

test('TS SDK client with wrong credentials fails at the token endpoint', async (t) => {
  const { as, ex } = await setup(t);
  const cli = await as.createClient({ scope: 'mcp:echo' });
  const transport = new StreamableHTTPClientTransport(new URL(ex.url), {
    authProvider: new ClientCredentialsProvider({ clientId: cli.client_id, clientSecret: 'wrong', scope: 'mcp:echo', expectedIssuer: as.issuer }),
  });
  const client = new Client({ name: 'interop', version: '1.0.0' });
  await assert.rejects(client.connect(transport), { name: 'InvalidClientError', message: 'client authentication failed' });
});
