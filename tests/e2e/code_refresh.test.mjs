// Token side of the authorization code flow through the real binary: codes from the real
// /oauth/authorize + /login + /consent pages, redeemed with oauth4webapi (PKCE, RFC 9207 iss),
// refresh rotation, reuse detection revoking the family and its access tokens, code replay
// revoking the first redemption, scope narrowing, client binding, revocation of a family.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { useAuthserver } from '../lib/server.mjs';
import { codeFlow, discover, insecure, signedInBrowser } from '../lib/code_flow.mjs';
import { assertOAuthError, decodeJwt } from '../lib/oauth.mjs';

const PW = 'e2e-Passw0rd-123';
const REDIRECT = 'http://127.0.0.1/callback';
const RES_URI = 'https://notes.example/mcp';

describe('authorization_code + refresh_token grants', () => {
  const h = useAuthserver();
  let as, app, other, rs, b, flow;

  it('setup: resource server client, resource, public app client, user, signed-in browser', async () => {
    rs = await h.srv.createClient({ scope: 'notes:read' });
    await h.srv.createResource({ slug: 'notes', uri: RES_URI, scopes: ['notes:read', 'notes:write'],
      policy: { runtime: { client_ids: [rs.client_id] } } });
    app = await h.srv.createClient({ grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
      scope: 'notes:read notes:write', redirect_uris: [REDIRECT] });
    other = await h.srv.createClient({ grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
      scope: 'notes:read notes:write', redirect_uris: [REDIRECT] });
    assert.equal((await h.srv.admin('POST', '/admin/users', { email: 'code@example.com', password: PW })).status, 201);
    b = await signedInBrowser(h.srv, 'code@example.com', PW);
    as = await discover(h.srv.issuer);
    flow = codeFlow({ as, b, client: app, redirectUri: REDIRECT, resource: RES_URI });
    assert.ok(as.token_endpoint_auth_methods_supported.includes('none'));
  });

  const authorize = (scope = 'notes:read notes:write') => flow.authorize(scope);
  const redeem = (a, client = app) => flow.redeem(a, client);
  const rawRedeem = ({ callback, verifier }, client = app) => h.srv.tokenRequest({ grant_type: 'authorization_code',
    code: callback.searchParams.get('code'), client_id: client.client_id, redirect_uri: REDIRECT, code_verifier: verifier });
  const rawRefresh = (refresh_token, client = app, extra = {}) =>
    h.srv.tokenRequest({ grant_type: 'refresh_token', refresh_token, client_id: client.client_id, ...extra });
  const active = async (token) => (await h.srv.introspect(token, [rs.client_id, rs.client_secret])).json.active;

  it('oauth4webapi: code → audience-bound at+jwt for the user + refresh token; refresh rotates', async () => {
    const tok = await redeem(await authorize());
    assert.equal(tok.token_type, 'bearer');
    assert.match(tok.refresh_token, /^[0-9a-f]{12}[A-Za-z0-9_-]{65}$/);
    assert.equal(tok.scope, 'notes:read notes:write');
    const { header, claims } = decodeJwt(tok.access_token);
    assert.equal(header.typ, 'at+jwt');
    assert.deepEqual(claims.aud, [RES_URI]);
    assert.equal(claims.client_id, app.client_id);
    assert.notEqual(claims.sub, app.client_id);
    assert.equal(claims.exp - claims.iat, 900);
    assert.equal(await active(tok.access_token), true);

    const res = await oauth.refreshTokenGrantRequest(as, { client_id: app.client_id }, oauth.None(), tok.refresh_token, insecure);
    const next = await oauth.processRefreshTokenResponse(as, { client_id: app.client_id }, res);
    assert.notEqual(next.refresh_token, tok.refresh_token);
    assert.equal(decodeJwt(next.access_token).claims.sub, claims.sub);
    assert.equal(await active(next.access_token), true);
  });

  it('reuse of a spent refresh token → invalid_grant, family revoked, its access tokens inactive', async () => {
    const tok = await redeem(await authorize());
    const r2 = await rawRefresh(tok.refresh_token);
    assert.equal(r2.status, 200, r2.text);
    const reuse = await rawRefresh(tok.refresh_token);
    assertOAuthError(reuse, 400, 'invalid_grant', { desc: 'token family revoked due to reuse detection' });
    assert.equal(await active(tok.access_token), false);
    assert.equal(await active(r2.json.access_token), false);
    assertOAuthError(await rawRefresh(r2.json.refresh_token), 400, 'invalid_grant', { desc: 'token family revoked due to reuse detection' });
  });

  it('replayed code → invalid_grant "authorization code has already been used" and the first redemption is revoked', async () => {
    const a = await authorize();
    const first = await rawRedeem(a);
    assert.equal(first.status, 200, first.text);
    assertOAuthError(await rawRedeem(a), 400, 'invalid_grant', { desc: 'authorization code has already been used' });
    assert.equal(await active(first.json.access_token), false);
    assertOAuthError(await rawRefresh(first.json.refresh_token), 400, 'invalid_grant');
  });

  it('PKCE, redirect_uri and client binding errors are exact', async () => {
    assertOAuthError(await rawRedeem({ ...(await authorize()), verifier: crypto.randomBytes(32).toString('base64url') }), 400,
      'invalid_grant', { desc: 'PKCE verification failed' });
    const a = await authorize();
    const wrongRedirect = await h.srv.tokenRequest({ grant_type: 'authorization_code', code: a.callback.searchParams.get('code'),
      client_id: app.client_id, redirect_uri: REDIRECT + '/x', code_verifier: a.verifier });
    assertOAuthError(wrongRedirect, 400, 'invalid_grant', { desc: 'redirect_uri does not match client registration' });
    assertOAuthError(await rawRedeem(await authorize(), other), 400, 'invalid_grant');
    const tok = await redeem(await authorize());
    assertOAuthError(await rawRefresh(tok.refresh_token, other), 400, 'invalid_grant');
    assert.equal((await rawRefresh(tok.refresh_token)).status, 200);  // the foreign attempt did not spend it
  });

  it('refresh scope may narrow, never widen', async () => {
    const tok = await redeem(await authorize());
    assertOAuthError(await rawRefresh(tok.refresh_token, app, { scope: 'notes:read notes:admin' }), 400, 'invalid_scope');
    const narrow = await rawRefresh(tok.refresh_token, app, { scope: 'notes:read' });
    assert.equal(narrow.status, 200, narrow.text);
    assert.equal(narrow.json.scope, 'notes:read');
    assert.equal(decodeJwt(narrow.json.access_token).claims.scope, 'notes:read');
  });

  it('revoking a refresh token revokes its family and the access tokens minted from it', async () => {
    const tok = await redeem(await authorize());
    const r = await h.srv.post('/oauth/revoke', { token: tok.refresh_token, client_id: app.client_id });
    assert.equal(r.status, 200, r.text);
    assert.equal(await active(tok.access_token), false);
    assertOAuthError(await rawRefresh(tok.refresh_token), 400, 'invalid_grant');
  });

  it('a disabled user\'s refresh token is refused without being spent; enabled again, it works', async () => {
    const tok = await redeem(await authorize());
    const user = (await h.srv.admin('GET', '/admin/users?email=code@example.com')).json.users.find((u) => u.email === 'code@example.com');
    assert.ok(user);
    assert.equal((await h.srv.admin('PATCH', `/admin/users/${user.id}/disable`)).status, 200);
    assertOAuthError(await rawRefresh(tok.refresh_token), 400, 'invalid_grant',
      { desc: 'the authorization grant is invalid, expired, or revoked' });
    assert.equal((await h.srv.admin('PATCH', `/admin/users/${user.id}/enable`)).status, 200);
    const r = await rawRefresh(tok.refresh_token);  // the refused attempt wrote nothing
    assert.equal(r.status, 200, r.text);
    assert.notEqual(r.json.refresh_token, tok.refresh_token);
  });
});
