// RFC 7591 dynamic client registration at POST /oauth/register through the real binary: the three
// dcr.mode values, each rejection with its exact status/error/description, MCP-style public
// clients on loopback redirects, a confidential client whose secret works at /oauth/token,
// admin API visibility, audit, rate limiting, metadata, and oauth4webapi's registration call.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import * as oauth from 'oauth4webapi';
import { startAuthserver, useAuthserver, http } from '../lib/server.mjs';
import { assertOAuthError } from '../lib/oauth.mjs';

const PREFIX = 'invalid_client: client validation failed: ';
const URI = 'http://127.0.0.1:8080/mcp';
// Registration has its own per-IP budget (dcr.rate_limit); lift it where a suite registers a lot.
const ROOMY = { AUTHPLANE_DCR_RATE_LIMIT: '1000', AUTHPLANE_DCR_RATE_LIMIT_BURST: '1000' };

function register(srv, body, { contentType = 'application/json', headers = {} } = {}) {
  return http(`${srv.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// What an MCP client (TypeScript SDK, Inspector, Claude Code) sends.
const mcpPublic = (extra = {}) => ({
  client_name: 'MCP Inspector',
  redirect_uris: ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6274/oauth/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  ...extra,
});

describe('DCR open mode (default)', () => {
  const h = useAuthserver({ env: ROOMY });
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
  });

  it('metadata advertises registration_endpoint', async () => {
    const r = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.json.registration_endpoint, `${h.srv.issuer}/oauth/register`);
  });

  it('public MCP client with localhost and 127.0.0.1 loopback redirects → 201, no secret', async () => {
    const r = await register(h.srv, mcpPublic({ scope: 'mcp:echo' }));
    assert.equal(r.status, 201, r.text);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    const b = r.json;
    assert.match(b.client_id, /^[A-Za-z0-9_-]{22}$/);
    assert.equal(b.client_secret, undefined);
    assert.equal(b.client_secret_expires_at, undefined);
    assert.equal(typeof b.client_id_issued_at, 'number');
    assert.ok(Math.abs(b.client_id_issued_at - Date.now() / 1000) < 60);
    assert.equal(b.client_name, 'MCP Inspector');
    assert.deepEqual(b.redirect_uris, mcpPublic().redirect_uris);
    assert.deepEqual(b.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(b.response_types, ['code']);
    assert.equal(b.token_endpoint_auth_method, 'none');
    assert.equal(b.scope, 'mcp:echo');
    assert.equal(b.application_type, 'web');
  });

  it('[::1] loopback redirect and defaults (grant authorization_code, auth method none)', async () => {
    const r = await register(h.srv, { client_name: 'v6', redirect_uris: ['http://[::1]:33418/cb'] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.grant_types, ['authorization_code']);
    assert.deepEqual(r.json.response_types, ['code']);
    assert.equal(r.json.token_endpoint_auth_method, 'none');
  });

  it('scopes outside the catalog are dropped from the registered ceiling', async () => {
    const r = await register(h.srv, mcpPublic({ scope: 'mcp:echo offline_access unknown:x' }));
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.scope, 'mcp:echo');
  });

  it('confidential client: secret shown once, works at /oauth/token with client_credentials', async () => {
    const r = await register(h.srv, {
      client_name: 'machine', grant_types: ['client_credentials'],
      token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:echo',
    });
    assert.equal(r.status, 201, r.text);
    assert.match(r.json.client_secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(r.json.client_secret_expires_at, 0);
    assert.deepEqual(r.json.response_types, []);
    const tok = await h.srv.issueToken(r.json, { resource: URI });
    assert.equal(tok.token_type, 'Bearer');
    assert.equal(tok.scope, 'mcp:echo');
    const bad = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [r.json.client_id, 'wrong'] });
    assertOAuthError(bad, 401, 'invalid_client');
  });

  it('client_secret_post confidential client authenticates in the form body', async () => {
    const r = await register(h.srv, {
      client_name: 'poster', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post',
      scope: 'mcp:admin',
    });
    assert.equal(r.status, 201, r.text);
    const t = await h.srv.tokenRequest({ grant_type: 'client_credentials', client_id: r.json.client_id, client_secret: r.json.client_secret });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.json.scope, 'mcp:admin');
  });

  it('registered clients appear in the admin API (source dcr) and are audited', async () => {
    const r = await register(h.srv, mcpPublic({ client_name: 'visible' }));
    assert.equal(r.status, 201, r.text);
    const one = await h.srv.admin('GET', `/admin/clients/${r.json.client_id}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.registration_source, 'dcr');
    assert.equal(one.json.name, 'visible');
    assert.equal(one.json.status, 'active');
    const list = await h.srv.admin('GET', '/admin/clients?source=dcr&limit=500');
    assert.ok(list.json.clients.some((c) => c.id === r.json.client_id));
    const audit = await h.srv.admin('GET', `/admin/audit?action=client.registered&client_id=${r.json.client_id}`);
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.json.events.length, 1);
    assert.equal(audit.json.events[0].detail, 'source=dcr auth_method=none grant_types=authorization_code,refresh_token');
    assert.ok(!JSON.stringify(audit.json).includes('client_secret'));
  });

  const rejections = [
    ['missing client_name', { redirect_uris: ['https://app.example.com/cb'] }, 'client_name is required'],
    ['client_name > 255', { client_name: 'n'.repeat(256), redirect_uris: ['https://app.example.com/cb'] },
      'client_name must be at most 255 characters'],
    ['missing redirect_uris', { client_name: 'x' }, 'redirect_uris is required for the authorization_code and refresh_token grants'],
    ['relative redirect', { client_name: 'x', redirect_uris: ['/cb'] }, 'redirect_uri "/cb" must be an absolute URI'],
    ['fragment', { client_name: 'x', redirect_uris: ['https://app.example.com/cb#f'] },
      'redirect_uri "https://app.example.com/cb#f" must not contain a fragment'],
    ['plain http off loopback', { client_name: 'x', redirect_uris: ['http://app.example.com/cb'] },
      'redirect_uri "http://app.example.com/cb" must use https unless the host is localhost, 127.0.0.1 or [::1]'],
    ['loopback-looking host', { client_name: 'x', redirect_uris: ['http://127.0.0.1.nip.example/cb'] },
      'redirect_uri "http://127.0.0.1.nip.example/cb" must use https unless the host is localhost, 127.0.0.1 or [::1]'],
    ['custom scheme', { client_name: 'x', redirect_uris: ['myapp:/cb'] },
      'redirect_uri "myapp:/cb" must use https (or http on a loopback host)'],
    ['11 redirect URIs', { client_name: 'x', redirect_uris: Array.from({ length: 11 }, (_, i) => `https://a.example/${i}`) },
      'redirect_uris must list at most 10 URIs'],
    ['unknown grant', { client_name: 'x', redirect_uris: ['https://a.example/cb'], grant_types: ['authorization_code', 'password'] },
      'unsupported grant_type "password"'],
    ['token exchange not enabled', { client_name: 'x', redirect_uris: ['https://a.example/cb'],
      grant_types: ['authorization_code', 'urn:ietf:params:oauth:grant-type:token-exchange'] },
    'grant_type "urn:ietf:params:oauth:grant-type:token-exchange" is not enabled on this server — set AUTHPLANE_TOKEN_EXCHANGE_ENABLED=true to enable it'],
    ['implicit response type', { client_name: 'x', redirect_uris: ['https://a.example/cb'], response_types: ['token'] },
      'unsupported response_type "token"; grant_type "authorization_code" requires response_type "code"'],
    ['code without authorization_code', { client_name: 'x', grant_types: ['client_credentials'], response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic' }, 'response_type "code" requires grant_type "authorization_code"'],
    ['unknown auth method', { client_name: 'x', redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'private_key_jwt' },
      'unsupported token_endpoint_auth_method "private_key_jwt"'],
    ['public client_credentials', { client_name: 'x', grant_types: ['client_credentials'] },
      'client_credentials requires a confidential client (token_endpoint_auth_method client_secret_basic or client_secret_post)'],
    ['application_type', { client_name: 'x', redirect_uris: ['https://a.example/cb'], application_type: 'desktop' },
      'unsupported application_type "desktop"'],
    ['several problems at once', { redirect_uris: ['http://a.example/cb'] },
      'client_name is required; redirect_uri "http://a.example/cb" must use https unless the host is localhost, 127.0.0.1 or [::1]'],
  ];
  for (const [name, body, why] of rejections) {
    it(`rejects ${name} → 400 invalid_client_metadata`, async () => {
      const r = await register(h.srv, body);
      assertOAuthError(r, 400, 'invalid_client_metadata', { desc: PREFIX + why });
      assert.equal(r.headers.get('cache-control'), 'no-store');
    });
  }

  it('malformed JSON → 400 invalid_request "invalid JSON body"', async () => {
    for (const body of ['{', '[]', 'null']) {
      const r = await register(h.srv, body);
      assertOAuthError(r, 400, 'invalid_request', { desc: 'invalid JSON body' });
    }
  });

  it('non-JSON content type → 400 invalid_request', async () => {
    const r = await register(h.srv, 'client_name=x', { contentType: 'application/x-www-form-urlencoded' });
    assertOAuthError(r, 400, 'invalid_request', { desc: 'content type must be application/json' });
  });

  it('body over 1 MB → 413', async () => {
    const r = await register(h.srv, JSON.stringify({ client_name: 'x', pad: 'p'.repeat(1024 * 1024) }));
    assert.equal(r.status, 413, r.text);
  });

  it('Accept: application/json gets the same error body as application/json', async () => {
    const r = await register(h.srv, { redirect_uris: ['https://a.example/cb'] }, { headers: { accept: 'application/json' } });
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type'), /^application\/json/);
    assert.equal(r.json.error, 'invalid_client_metadata');
  });

  it('oauth4webapi dynamicClientRegistrationRequest accepts our response', async () => {
    const insecure = { [oauth.allowInsecureRequests]: true };
    const issuer = new URL(h.srv.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
    const pub = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, mcpPublic(), insecure));
    assert.equal(typeof pub.client_id, 'string');
    const conf = await oauth.processDynamicClientRegistrationResponse(await oauth.dynamicClientRegistrationRequest(as, {
      client_name: 'o4w', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:echo',
    }, insecure));
    assert.equal(conf.client_secret_expires_at, 0);
    const client = { client_id: conf.client_id };
    const res = await oauth.clientCredentialsGrantRequest(as, client, oauth.ClientSecretBasic(conf.client_secret),
      new URLSearchParams({ resource: URI }), insecure);
    const tok = await oauth.processClientCredentialsResponse(as, client, res);
    assert.equal(tok.token_type.toLowerCase(), 'bearer');
    // A rejected registration surfaces as a ResponseBodyError carrying our error code.
    await assert.rejects(async () => oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, { client_name: 'x', redirect_uris: ['http://a.example/cb'] }, insecure)),
    (e) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_client_metadata');
  });
});

describe('DCR approved_redirects mode', () => {
  const approved = ['http://localhost:6274/oauth/callback', 'http://127.0.0.1:6274/oauth/callback'];
  const h = useAuthserver({ env: { ...ROOMY, AUTHPLANE_DCR_MODE: 'approved_redirects', AUTHPLANE_DCR_APPROVED_REDIRECTS: approved.join(',') } });

  it('advertises registration_endpoint', async () => {
    const r = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.json.registration_endpoint, `${h.srv.issuer}/oauth/register`);
  });

  it('registration whose redirects are all approved → 201', async () => {
    const r = await register(h.srv, mcpPublic());
    assert.equal(r.status, 201, r.text);
  });

  for (const [name, body] of [
    ['unlisted redirect', mcpPublic({ redirect_uris: ['http://localhost:9999/cb'] })],
    ['one of two redirects unlisted', mcpPublic({ redirect_uris: [approved[0], 'http://localhost:9999/cb'] })],
    ['trailing slash (exact match only)', mcpPublic({ redirect_uris: [approved[0] + '/'] })],
    ['no redirect URIs at all', { client_name: 'm', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' }],
  ]) {
    it(`${name} → 400 invalid_redirect_uri "redirect_uri not allowed"`, async () => {
      const r = await register(h.srv, body);
      assertOAuthError(r, 400, 'invalid_redirect_uri', { desc: 'redirect_uri not allowed' });
    });
  }

  it('metadata validation still comes first', async () => {
    const r = await register(h.srv, { redirect_uris: approved });
    assertOAuthError(r, 400, 'invalid_client_metadata', { desc: PREFIX + 'client_name is required' });
  });
});

describe('DCR admin_only mode', () => {
  const h = useAuthserver({ env: { AUTHPLANE_DCR_MODE: 'admin_only' } });

  it('registration → 403 access_denied "registration is disabled"', async () => {
    const r = await register(h.srv, mcpPublic());
    assertOAuthError(r, 403, 'access_denied', { desc: 'registration is disabled' });
    const list = await h.srv.admin('GET', '/admin/clients');
    assert.equal(list.json.clients.length, 0);
  });

  it('metadata omits registration_endpoint', async () => {
    const r = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.status, 200);
    assert.equal(r.json.registration_endpoint, undefined);
    assert.equal(r.json.token_endpoint, `${h.srv.issuer}/oauth/token`);
  });
});

describe('DCR rate limit (dcr.rate_limit / dcr.rate_limit_burst)', () => {
  it('the burst is spent per IP, then 429 with Retry-After', async (t) => {
    const srv = await startAuthserver({ t, env: { AUTHPLANE_DCR_RATE_LIMIT: '1', AUTHPLANE_DCR_RATE_LIMIT_BURST: '3' } });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await register(srv, mcpPublic())).status);
    assert.deepEqual(statuses.slice(0, 3), [201, 201, 201]);
    const last = await register(srv, mcpPublic());
    assert.equal(last.status, 429, last.text);
    assert.ok(Number(last.headers.get('retry-after')) >= 1);
    // Other endpoints keep their own budget.
    const meta = await srv.get('/.well-known/oauth-authorization-server');
    assert.equal(meta.status, 200);
  });
});
