// POST /oauth/token, grant_type=client_credentials (reference §2.3, §4.3, §6).
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { useAuthserver } from '../lib/server.mjs';
import { assertOAuthError, assertCcTokenClaims, assertTokenResponse } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

describe('client_credentials success', () => {
  const h = useAuthserver();
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
    ctx.c = await h.srv.createClient({ scope: 'mcp:echo mcp:admin' });
    ctx.post = await h.srv.createClient({ scope: 'mcp:echo', token_endpoint_auth_method: 'client_secret_post' });
  });

  it('client_secret_basic + resource URI + scope → 200 Bearer at+jwt with the exact claim set', async () => {
    const { c } = ctx;
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', scope: 'mcp:echo', resource: URI },
      { basic: [c.client_id, c.client_secret] });
    assertTokenResponse(r, { scope: 'mcp:echo' });
    const { header } = assertCcTokenClaims(r.json.access_token,
      { issuer: h.srv.issuer, clientId: c.client_id, aud: URI, scope: 'mcp:echo' });
    const jwks = await h.srv.get('/.well-known/jwks.json');
    assert.ok(jwks.json.keys.some((k) => k.kid === header.kid), 'kid is published in the JWKS');
  });

  it('resource given by slug → aud is the canonical resource URI', async () => {
    const { c } = ctx;
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', scope: 'mcp:admin', resource: 'echo' },
      { basic: [c.client_id, c.client_secret] });
    assertTokenResponse(r, { scope: 'mcp:admin' });
    assertCcTokenClaims(r.json.access_token, { issuer: h.srv.issuer, clientId: c.client_id, aud: URI, scope: 'mcp:admin' });
  });

  it('no resource → aud = [issuer]; no scope → all client scopes', async () => {
    const { c } = ctx;
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [c.client_id, c.client_secret] });
    assertTokenResponse(r);
    const { claims } = assertCcTokenClaims(r.json.access_token, { issuer: h.srv.issuer, clientId: c.client_id, aud: h.srv.issuer });
    assert.deepEqual(claims.scope.split(' ').sort(), ['mcp:admin', 'mcp:echo']);
    assert.deepEqual(r.json.scope.split(' ').sort(), ['mcp:admin', 'mcp:echo']);
  });

  it('client_secret_post → 200', async () => {
    const { post } = ctx;
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', client_id: post.client_id, client_secret: post.client_secret, resource: URI });
    assertTokenResponse(r, { scope: 'mcp:echo' });
    assertCcTokenClaims(r.json.access_token, { issuer: h.srv.issuer, clientId: post.client_id, aud: URI, scope: 'mcp:echo' });
  });

  it('Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1)', async () => {
    // The secret is base64url (no reserved characters), so percent-encode every character explicitly:
    // a compliant server must URL-decode both halves.
    const { c } = ctx;
    const pct = (s) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
    const auth = 'Basic ' + Buffer.from(`${pct(c.client_id)}:${pct(c.client_secret)}`).toString('base64');
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { headers: { authorization: auth } });
    assertTokenResponse(r);
  });

  it('every token has a distinct jti', async () => {
    const { c } = ctx;
    const jtis = new Set();
    for (let i = 0; i < 10; i++) {
      const t = await h.srv.issueToken(c);
      jtis.add(JSON.parse(Buffer.from(t.access_token.split('.')[1], 'base64url')).jti);
    }
    assert.equal(jtis.size, 10);
  });
});

describe('client_credentials errors', () => {
  const h = useAuthserver();
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
    ctx.c = await h.srv.createClient({ scope: 'mcp:echo' });
  });
  const cc = (extra = {}) => ({ grant_type: 'client_credentials', ...extra });

  it('missing grant_type → 400 invalid_request', async () => {
    const r = await h.srv.tokenRequest({ scope: 'mcp:echo' }, { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('Accept: application/json → the same error body as application/json (RFC 6749 §5.2 clients)', async () => {
    const r = await h.srv.tokenRequest({ grant_type: 'foo' },
      { basic: [ctx.c.client_id, ctx.c.client_secret], headers: { accept: 'application/json' } });
    assert.equal(r.status, 400);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/i);
    assert.equal(r.json.error, 'unsupported_grant_type');
    assert.equal(r.json.error_description, 'grant_type "foo" is not supported');
    assert.equal(r.json.type, 'https://docs.authplane.ai/errors/unsupported_grant_type');
    const both = await h.srv.tokenRequest({ grant_type: 'foo' },
      { basic: [ctx.c.client_id, ctx.c.client_secret], headers: { accept: 'application/problem+json, application/json' } });
    assert.match(both.headers.get('content-type') ?? '', /^application\/problem\+json\b/i);
  });

  it('unknown grant → 400 unsupported_grant_type `grant_type "foo" is not supported`', async () => {
    const r = await h.srv.tokenRequest({ grant_type: 'foo' }, { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertOAuthError(r, 400, 'unsupported_grant_type', { desc: 'grant_type "foo" is not supported' });
  });

  it('token exchange / jwt-bearer are not supported in this build', async () => {
    for (const g of ['urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:jwt-bearer', 'password', 'implicit']) {
      const r = await h.srv.tokenRequest({ grant_type: g }, { basic: [ctx.c.client_id, ctx.c.client_secret] });
      assertOAuthError(r, 400, 'unsupported_grant_type');
    }
  });

  it('bad secret → 401 invalid_client + WWW-Authenticate Basic realm="authserver"', async () => {
    const r = await h.srv.tokenRequest(cc(), { basic: [ctx.c.client_id, ctx.c.client_secret + 'x'] });
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('unknown client → 401 invalid_client', async () => {
    const r = await h.srv.tokenRequest(cc(), { basic: ['no-such-client', 'whatever-secret'] });
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('no credentials at all → 401 invalid_client', async () => {
    const r = await h.srv.tokenRequest(cc());
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('bad secret via client_secret_post → 401 invalid_client', async () => {
    const r = await h.srv.tokenRequest(cc({ client_id: ctx.c.client_id, client_secret: 'nope' }));
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('malformed Basic header → 401 invalid_client (not 500)', async () => {
    for (const auth of ['Basic !!!notbase64', 'Basic ' + Buffer.from('no-colon').toString('base64'), 'Basic ']) {
      const r = await h.srv.tokenRequest(cc(), { headers: { authorization: auth } });
      assert.ok(r.status === 401 || r.status === 400, `${auth}: ${r.status} ${r.text}`);
      assert.ok(['invalid_client', 'invalid_request'].includes(r.json?.error), `${auth}: ${r.text}`);
    }
  });

  it('Basic and client_secret_post together → 400 invalid_request', async () => {
    const r = await h.srv.tokenRequest(cc({ client_id: ctx.c.client_id, client_secret: ctx.c.client_secret }),
      { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('scope outside the client ceiling → 400 invalid_scope naming the allowed scopes', async () => {
    const r = await h.srv.tokenRequest(cc({ scope: 'mcp:echo mcp:admin' }), { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertOAuthError(r, 400, 'invalid_scope', { descIncludes: 'mcp:echo' });
  });

  it('unknown resource → 400 invalid_target', async () => {
    const r = await h.srv.tokenRequest(cc({ resource: 'http://127.0.0.1:8080/not-registered' }), { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertOAuthError(r, 400, 'invalid_target');
    const r2 = await h.srv.tokenRequest(cc({ resource: URI + '/' }), { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertOAuthError(r2, 400, 'invalid_target'); // byte-for-byte URI comparison: trailing slash matters
  });

  it('client without the client_credentials grant → 400 unauthorized_client', async () => {
    const c = await h.srv.createClient({
      scope: 'mcp:echo', grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://127.0.0.1:3000/cb'],
      response_types: ['code'],
    });
    const r = await h.srv.tokenRequest(cc(), { basic: [c.client_id, c.client_secret] });
    assertOAuthError(r, 400, 'unauthorized_client');
  });

  it('public client → 401 invalid_client', async () => {
    let r = await h.srv.admin('POST', '/admin/clients', {
      client_name: 'pub', grant_types: ['client_credentials'], token_endpoint_auth_method: 'none', scope: 'mcp:echo',
    });
    if (r.status !== 201) {
      // The admin API may refuse a public client_credentials client; use an ordinary public client then.
      r = await h.srv.admin('POST', '/admin/clients', {
        client_name: 'pub', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
        scope: 'mcp:echo', redirect_uris: ['http://127.0.0.1:3000/cb'], response_types: ['code'],
      });
    }
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.client_secret, undefined, 'public clients get no secret');
    const res = await h.srv.tokenRequest(cc({ client_id: r.json.client_id }));
    assertOAuthError(res, 401, 'invalid_client');
  });

  it('non-form content type → 400 invalid_request', async () => {
    const r = await h.srv.tokenRequest({}, {
      basic: [ctx.c.client_id, ctx.c.client_secret], contentType: 'application/json',
      rawBody: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('body over 64 KiB → 413 or 400, server stays up', async () => {
    const big = 'grant_type=client_credentials&scope=' + 'a'.repeat(70 * 1024);
    let status;
    try {
      const r = await h.srv.tokenRequest({}, { basic: [ctx.c.client_id, ctx.c.client_secret], rawBody: big });
      status = r.status;
      assert.ok(status === 413 || status === 400, `status ${status} ${r.text.slice(0, 200)}`);
    } catch (e) {
      // Closing the connection on an oversized body is acceptable as long as the server survives.
      status = `connection error: ${e.cause?.code ?? e.message}`;
    }
    const live = await h.srv.get('/livez');
    assert.equal(live.status, 200, `server died after oversized body (${status})`);
  });

  it('GET /oauth/token → 405', async () => {
    const r = await h.srv.get('/oauth/token');
    assert.equal(r.status, 405, r.text);
  });

  it('repeated parameters → 400 invalid_request', async () => {
    const r = await h.srv.tokenRequest({}, {
      basic: [ctx.c.client_id, ctx.c.client_secret],
      rawBody: 'grant_type=client_credentials&scope=mcp:echo&scope=mcp:admin',
    });
    assertOAuthError(r, 400, 'invalid_request');
  });
});
