// The MCP TypeScript SDK's client through the WHOLE interactive flow against the real authserver
// and example 01 (C++ MCP server behind the C++ SDK): 401 → protected resource metadata →
// authorization server metadata → (dynamic client registration) → authorization request with
// PKCE, state and resource → a headless user agent signs in and consents on the server's own
// HTML pages → redirect with code, state and RFC 9207 iss → transport.finishAuth(code) → token
// → initialize → tools/call as the user; then refresh rotation through the SDK and reuse
// detection on the spent refresh token.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { startAuthserver, freePort } from '../lib/server.mjs';
import { startExample } from '../lib/examples.mjs';
import { assertOAuthError, decodeJwt } from '../lib/oauth.mjs';
import { createUserAgent } from '../lib/user_agent.mjs';
import { startHttpsFixture } from '../lib/https_fixture.mjs';

const PW = 'interop-Passw0rd-123';

async function setup(t, env = {}) {
  const as = await startAuthserver({ t, env });
  const ex = await startExample('mcp-server-basic', { AUTHPLANE_ISSUER: as.issuer }, { t });
  await as.createResource({ slug: 'echo', uri: ex.url, scopes: ['mcp:echo'] });
  const email = `user-${randomBytes(4).toString('hex')}@example.com`;
  const u = await as.admin('POST', '/admin/users', { email, password: PW });
  assert.equal(u.status, 201, u.text);
  // Nothing listens on the callback port: the user agent stops at the redirect, as a native
  // app's loopback listener would receive it.
  const redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
  return { as, ex, user: u.json, email, redirectUri };
}

/** Records every request the SDK makes (method, url, status) without changing it. */
function recordingFetch(log) {
  return async (url, init) => {
    const res = await fetch(url, init);
    log.push({ method: init?.method ?? 'GET', url: String(url), status: res.status });
    return res;
  };
}
const steps = (log) => log.map((e) => `${e.method} ${new URL(e.url).pathname} ${e.status}`);

/**
 * OAuthClientProvider for an interactive public client kept in memory. `preRegistered` makes
 * clientInformation() return it and leaves saveClientInformation undefined (a pre-registered
 * client cannot be re-registered); without it the SDK must register the client itself.
 */
class MemoryProvider {
  constructor({ redirectUri, preRegistered, clientMetadataUrl }) {
    this._redirectUri = redirectUri;
    if (clientMetadataUrl) this.clientMetadataUrl = clientMetadataUrl;  // SEP-991: CIMD when the AS supports it
    this._client = preRegistered;
    this._tokens = undefined;
    this._verifier = undefined;
    this.states = [];
    this.authorizationUrls = [];
    this.savedClients = [];
    this.savedTokens = [];
    if (!preRegistered) {
      this.saveClientInformation = (info) => { this.savedClients.push(info); this._client = info; };
    }
  }
  get redirectUrl() { return this._redirectUri; }
  get clientMetadata() {
    return {
      client_name: 'mcp-sdk-interactive',
      redirect_uris: [this._redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  state() {
    const s = randomBytes(16).toString('base64url');
    this.states.push(s);
    return s;
  }
  clientInformation() { return this._client; }
  tokens() { return this._tokens; }
  saveTokens(tokens) { this.savedTokens.push(tokens); this._tokens = tokens; }
  redirectToAuthorization(url) { this.authorizationUrls.push(new URL(url)); }
  saveCodeVerifier(v) { this._verifier = v; }
  codeVerifier() {
    if (!this._verifier) throw new Error('no code verifier saved');
    return this._verifier;
  }
}

function newClient(ex, provider, log) {
  const transport = new StreamableHTTPClientTransport(new URL(ex.url), { authProvider: provider, fetch: recordingFetch(log) });
  const client = new Client({ name: 'interop-interactive', version: '1.0.0' });
  return { transport, client };
}

/**
 * Connect → UnauthorizedError → user agent signs in and consents → finishAuth(code) → reconnect.
 * Returns {client, callback, authUrl, log, ua}.
 */
async function interactiveConnect(t, { as, ex, email, redirectUri, user }, provider, expectedClientId) {
  const log = [];
  const first = newClient(ex, provider, log);
  await assert.rejects(first.client.connect(first.transport), (e) => {
    assert.ok(e instanceof UnauthorizedError, `expected UnauthorizedError, got ${e?.name}: ${e?.message}`);
    return true;
  });
  const clientId = expectedClientId ?? provider.clientInformation()?.client_id;
  assert.ok(clientId, 'client id known after the first connect');

  // The SDK handed exactly one authorization URL to the "browser", on the issuer's endpoint.
  assert.equal(provider.authorizationUrls.length, 1);
  assert.equal(provider.states.length, 1);
  const authUrl = provider.authorizationUrls[0];
  assert.equal(authUrl.origin + authUrl.pathname, `${as.issuer}/oauth/authorize`);
  const q = Object.fromEntries(authUrl.searchParams);
  assert.equal(q.response_type, 'code');
  assert.equal(q.client_id, clientId);
  assert.equal(q.redirect_uri, redirectUri);
  assert.equal(q.code_challenge_method, 'S256');
  assert.match(q.code_challenge, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(q.state, provider.states[0]);
  assert.equal(q.resource, ex.url);
  assert.equal(q.scope, 'mcp:echo');

  // The user agent: /oauth/authorize → /login → /oauth/authorize → /consent → callback.
  const ua = createUserAgent({ email, password: PW, redirectUri });
  const { callback } = await ua.authorize(authUrl);
  const uaSteps = ua.steps.map((s) => `${s.method} ${new URL(s.url).pathname} ${s.status}`);
  assert.deepEqual(uaSteps, [
    'GET /oauth/authorize 303',
    'GET /login 200',
    'POST /login 303',
    'GET /oauth/authorize 303',
    'GET /consent 200',
    'POST /consent 303',
  ]);
  assert.deepEqual(ua.forms.map((f) => f.kind), ['login', 'consent']);
  const consentForm = new URLSearchParams(ua.forms[1].submitted);
  assert.deepEqual(consentForm.getAll('scopes'), ['mcp:echo']);
  assert.equal(consentForm.get('action'), 'allow');
  assert.ok(consentForm.get('session_id') && consentForm.get('csrf_token'), 'consent hidden inputs submitted');
  assert.ok(new URLSearchParams(ua.forms[0].submitted).get('csrf_token'), 'login csrf_token submitted');
  assert.ok(ua.jar.get(as.issuer, 'authserver_session'), 'session cookie kept for the issuer origin');

  // Authorization response: code, the state the SDK sent, RFC 9207 iss = issuer, no error.
  assert.equal(callback.origin + callback.pathname, redirectUri);
  const cb = Object.fromEntries(callback.searchParams);
  assert.deepEqual(Object.keys(cb).sort(), ['code', 'iss', 'state']);
  assert.equal(cb.iss, as.issuer);
  assert.equal(cb.state, q.state);
  assert.match(cb.code, /^[A-Za-z0-9_-]{20,}$/);

  const before = log.length;
  await first.transport.finishAuth(cb.code);
  const exchange = steps(log.slice(before));
  assert.equal(exchange.at(-1), 'POST /oauth/token 200', exchange.join('\n'));
  assert.equal(provider.savedTokens.length, 1);
  const tok = provider.tokens();
  assert.equal(tok.token_type.toLowerCase(), 'bearer');
  assert.equal(tok.scope, 'mcp:echo');
  assert.match(tok.refresh_token, /^[0-9a-f]{12}[A-Za-z0-9_-]{65}$/);
  const { header, claims } = decodeJwt(tok.access_token);
  assert.equal(header.typ, 'at+jwt');
  assert.equal(claims.iss, as.issuer);
  assert.equal(claims.sub, user.id);
  assert.equal(claims.client_id, clientId);
  assert.deepEqual([].concat(claims.aud), [ex.url]);

  const second = newClient(ex, provider, log);
  const mark = log.length;
  await second.client.connect(second.transport);
  t.after(() => second.client.close());
  assert.equal(steps(log.slice(mark))[0], 'POST /mcp 200', 'reconnect sends the bearer token at once');
  return { client: second.client, callback, authUrl, log, ua, clientId };
}

async function callEcho(client, user) {
  const r = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
  assert.deepEqual(r.content, [{ type: 'text', text: `echo from ${user.id}: hi` }]);
}

test('pre-registered public client: SDK + headless user agent complete login, consent, code + PKCE; echo runs as the user', async (t) => {
  const env = await setup(t);
  const { as, ex, user, redirectUri } = env;
  const pre = await as.createClient({ client_name: 'pre-registered', grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none', scope: 'mcp:echo', redirect_uris: [redirectUri] });
  assert.equal(pre.client_secret, undefined, 'public client has no secret');
  const provider = new MemoryProvider({ redirectUri, preRegistered: { client_id: pre.client_id } });

  const { client, log } = await interactiveConnect(t, env, provider, pre.client_id);
  const s = steps(log);
  // connect (401, discovery, redirect) · finishAuth (discovery again, token) · reconnect.
  assert.deepEqual(s.slice(0, 8), [
    'POST /mcp 401',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'POST /oauth/token 200',
    'POST /mcp 200',
    'POST /mcp 202',
  ]);
  assert.ok(!s.some((x) => x.startsWith('POST /oauth/register')), 'no registration for a pre-registered client');
  assert.equal((await client.listTools()).tools.map((x) => x.name).join(), 'echo');
  await callEcho(client, user);
});

test('dynamic client registration: the SDK registers at /oauth/register, then the same interactive flow', async (t) => {
  const env = await setup(t);
  const { as, ex, user, redirectUri } = env;
  const meta = await as.get('/.well-known/oauth-authorization-server');
  assert.equal(meta.status, 200);
  assert.equal(meta.json.registration_endpoint, `${as.issuer}/oauth/register`);

  const provider = new MemoryProvider({ redirectUri });
  const { client, log } = await interactiveConnect(t, env, provider);
  const s = steps(log);
  assert.deepEqual(s.slice(0, 9), [
    'POST /mcp 401',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'POST /oauth/register 201',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'POST /oauth/token 200',
    'POST /mcp 200',
    'POST /mcp 202',
  ]);
  assert.equal(s.filter((x) => x.startsWith('POST /oauth/register')).length, 1, 'registered once');
  assert.equal(provider.savedClients.length, 1);
  const reg = provider.savedClients[0];
  assert.match(reg.client_id, /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(reg.redirect_uris, [redirectUri]);
  assert.deepEqual(reg.grant_types, ['authorization_code', 'refresh_token']);
  assert.equal(reg.token_endpoint_auth_method, 'none');
  assert.equal(reg.scope, 'mcp:echo');
  assert.equal(reg.client_secret, undefined);

  const one = await as.admin('GET', `/admin/clients/${reg.client_id}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.registration_source, 'dcr');
  assert.equal(one.json.name, 'mcp-sdk-interactive');
  assert.equal(one.json.status, 'active');
  const list = await as.admin('GET', '/admin/clients?source=dcr&limit=500');
  assert.equal(list.status, 200, list.text);
  const listed = list.json.clients.filter((c) => c.id === reg.client_id);
  assert.equal(listed.length, 1);
  assert.equal(listed[0].registration_source, 'dcr');

  await callEcho(client, user);
});

test('client ID metadata document: the SDK uses its clientMetadataUrl as client_id, the server fetches it, no registration', async (t) => {
  // Only authserver fetches the document, so only authserver trusts the fixture's CA.
  const fx = await startHttpsFixture({ t });
  const env = await setup(t, { SSL_CERT_FILE: fx.caFile, AUTHPLANE_CIMD_ALLOW_PRIVATE_ADDRESSES: 'true' });
  const { as, user, redirectUri } = env;
  const docUrl = fx.route('/mcp-client/metadata.json', { body: {
    client_id: fx.url('/mcp-client/metadata.json'), client_name: 'mcp-sdk-cimd', redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none',
  } });
  const meta = await as.get('/.well-known/oauth-authorization-server');
  assert.equal(meta.json.client_id_metadata_document_supported, true);

  const provider = new MemoryProvider({ redirectUri, clientMetadataUrl: docUrl });
  const { client, log } = await interactiveConnect(t, env, provider, docUrl);
  const s = steps(log);
  assert.deepEqual(s.slice(0, 8), [
    'POST /mcp 401',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'POST /oauth/token 200',
    'POST /mcp 200',
    'POST /mcp 202',
  ]);
  assert.ok(!s.some((x) => x.includes('/oauth/register')), 'no dynamic client registration');
  assert.equal(provider.clientInformation().client_id, docUrl);
  assert.equal(fx.count('/mcp-client/metadata.json'), 1, 'authserver fetched the document once');
  assert.equal(fx.requests.length, 1);

  const one = await as.admin('GET', `/admin/clients/${encodeURIComponent(docUrl)}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.json.registration_source, 'cimd');
  assert.equal(one.json.cimd_url, docUrl);
  assert.equal(one.json.name, 'mcp-sdk-cimd');
  await callEcho(client, user);
});

test('refresh: the SDK rotates the refresh token, the new access token works, the spent one is refused', async (t) => {
  const env = await setup(t);
  const { as, ex, user, redirectUri } = env;
  const pre = await as.createClient({ client_name: 'refresher', grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none', scope: 'mcp:echo', redirect_uris: [redirectUri] });
  const provider = new MemoryProvider({ redirectUri, preRegistered: { client_id: pre.client_id } });
  const { client } = await interactiveConnect(t, env, provider, pre.client_id);
  await callEcho(client, user);
  const old = provider.tokens();

  // With a refresh token stored and no code, auth() refreshes instead of redirecting.
  const log = [];
  const result = await auth(provider, { serverUrl: new URL(ex.url), fetchFn: recordingFetch(log) });
  assert.equal(result, 'AUTHORIZED');
  assert.deepEqual(steps(log), [
    'GET /.well-known/oauth-protected-resource/mcp 200',
    'GET /.well-known/oauth-authorization-server 200',
    'POST /oauth/token 200',
  ]);
  assert.equal(provider.authorizationUrls.length, 1, 'no second authorization redirect');
  assert.equal(provider.savedTokens.length, 2);
  const fresh = provider.tokens();
  assert.notEqual(fresh.access_token, old.access_token);
  assert.notEqual(fresh.refresh_token, old.refresh_token);
  assert.match(fresh.refresh_token, /^[0-9a-f]{12}[A-Za-z0-9_-]{65}$/);
  assert.equal(fresh.scope, 'mcp:echo');
  const c = decodeJwt(fresh.access_token).claims;
  assert.equal(c.sub, user.id);
  assert.equal(c.client_id, pre.client_id);
  assert.deepEqual([].concat(c.aud), [ex.url]);

  // A new connection uses the refreshed token (sent at once, accepted) and runs as the user.
  const clog = [];
  const again = newClient(ex, provider, clog);
  await again.client.connect(again.transport);
  t.after(() => again.client.close());
  assert.equal(steps(clog)[0], 'POST /mcp 200');
  await callEcho(again.client, user);

  // The spent refresh token, replayed by hand, is refused (reuse detection).
  const replay = await as.tokenRequest({ grant_type: 'refresh_token', refresh_token: old.refresh_token, client_id: pre.client_id });
  assertOAuthError(replay, 400, 'invalid_grant', { desc: 'token family revoked due to reuse detection' });
  // ... and the family is gone: the refresh token the SDK holds now is refused as well.
  const after = await as.tokenRequest({ grant_type: 'refresh_token', refresh_token: fresh.refresh_token, client_id: pre.client_id });
  assertOAuthError(after, 400, 'invalid_grant');
});
