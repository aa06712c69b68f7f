// RFC 7662 introspection (with ownership / runtime client-ids entitlement) and RFC 7009 revocation.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { useAuthserver } from '../lib/server.mjs';
import { assertOAuthError, decodeJwt } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

describe('introspection', () => {
  const h = useAuthserver();
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
    ctx.a = await h.srv.createClient({ scope: 'mcp:echo mcp:admin' });
    ctx.b = await h.srv.createClient({ scope: 'mcp:echo', token_endpoint_auth_method: 'client_secret_post' });
    ctx.tok = (await h.srv.issueToken(ctx.a, { resource: URI, scope: 'mcp:echo' })).access_token;
  });
  const auth = (c) => [c.client_id, c.client_secret];

  it('own client → active:true with the RFC 7662 member set', async () => {
    const r = await h.srv.introspect(ctx.tok, auth(ctx.a));
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/i);
    const { claims } = decodeJwt(ctx.tok);
    const j = r.json;
    assert.equal(j.active, true, r.text);
    assert.equal(j.scope, 'mcp:echo');
    assert.equal(j.client_id, ctx.a.client_id);
    assert.equal(j.sub, ctx.a.client_id);
    assert.equal(j.aud, URI, 'aud is a single string');
    assert.equal(j.iss, h.srv.issuer);
    assert.equal(j.exp, claims.exp);
    assert.equal(j.iat, claims.iat);
    assert.equal(j.jti, claims.jti);
    assert.equal(j.token_type, 'Bearer');
    assert.equal(j.cnf, undefined);
  });

  it('client_secret_post authentication also works', async () => {
    const t = (await h.srv.tokenRequest({ grant_type: 'client_credentials', client_id: ctx.b.client_id, client_secret: ctx.b.client_secret })).json.access_token;
    const r = await h.srv.post('/oauth/introspect', { token: t, client_id: ctx.b.client_id, client_secret: ctx.b.client_secret });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.active, true, r.text);
    assert.equal(r.json.aud, h.srv.issuer);
  });

  it('another client not in runtime client-ids → {active:false}; after adding it → active:true', async () => {
    const denied = await h.srv.post('/oauth/introspect', { token: ctx.tok, client_id: ctx.b.client_id, client_secret: ctx.b.client_secret });
    assert.equal(denied.status, 200, denied.text);
    assert.deepEqual(denied.json, { active: false });

    const add = await h.srv.admin('POST', '/admin/resources/echo/policy/runtime/client-ids', { client_id: ctx.b.client_id });
    assert.ok(add.status === 200 || add.status === 201, add.text);
    const list = await h.srv.admin('GET', '/admin/resources/echo/policy/runtime/client-ids');
    assert.equal(list.status, 200, list.text);
    assert.ok(list.text.includes(ctx.b.client_id), list.text);

    const allowed = await h.srv.post('/oauth/introspect', { token: ctx.tok, client_id: ctx.b.client_id, client_secret: ctx.b.client_secret });
    assert.equal(allowed.status, 200, allowed.text);
    assert.equal(allowed.json.active, true, allowed.text);
    assert.equal(allowed.json.client_id, ctx.a.client_id);

    const del = await h.srv.admin('DELETE', `/admin/resources/echo/policy/runtime/client-ids/${ctx.b.client_id}`);
    assert.ok(del.status === 200 || del.status === 204, del.text);
    const again = await h.srv.post('/oauth/introspect', { token: ctx.tok, client_id: ctx.b.client_id, client_secret: ctx.b.client_secret });
    assert.deepEqual(again.json, { active: false });
  });

  it('garbage / foreign tokens → {active:false}', async () => {
    const [hdr, , sig] = ctx.tok.split('.');
    const forged = `${hdr}.${Buffer.from(JSON.stringify({ ...decodeJwt(ctx.tok).claims, scope: 'mcp:admin' })).toString('base64url')}.${sig}`;
    for (const t of ['garbage', 'a.b.c', forged, ctx.tok.slice(0, -4) + 'AAAA']) {
      const r = await h.srv.introspect(t, auth(ctx.a));
      assert.equal(r.status, 200, `${t.slice(0, 20)}: ${r.text}`);
      assert.deepEqual(r.json, { active: false }, t.slice(0, 20));
    }
  });

  it('missing token parameter → 400 invalid_request', async () => {
    const r = await h.srv.post('/oauth/introspect', {}, { basic: auth(ctx.a) });
    assertOAuthError(r, 400, 'invalid_request');
  });

  it('bad client auth → 401 invalid_client', async () => {
    assertOAuthError(await h.srv.introspect(ctx.tok, [ctx.a.client_id, 'wrong']), 401, 'invalid_client');
    assertOAuthError(await h.srv.introspect(ctx.tok, ['nobody', 'wrong']), 401, 'invalid_client');
    assertOAuthError(await h.srv.post('/oauth/introspect', { token: ctx.tok }), 401, 'invalid_client');
  });

  it('public client cannot introspect → 401 invalid_client', async () => {
    const pub = await h.srv.admin('POST', '/admin/clients', {
      client_name: 'pub', grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
      scope: 'mcp:echo', redirect_uris: ['http://127.0.0.1:3000/cb'], response_types: ['code'],
    });
    assert.equal(pub.status, 201, pub.text);
    const r = await h.srv.post('/oauth/introspect', { token: ctx.tok, client_id: pub.json.client_id });
    assertOAuthError(r, 401, 'invalid_client');
  });

  it('suspended token owner → its tokens introspect inactive', async () => {
    const c = await h.srv.createClient({ scope: 'mcp:echo' });
    const watcher = await h.srv.createClient({ scope: 'mcp:echo' });
    await h.srv.admin('POST', '/admin/resources/echo/policy/runtime/client-ids', { client_id: watcher.client_id });
    const t = (await h.srv.issueToken(c, { resource: URI })).access_token;
    assert.equal((await h.srv.introspect(t, auth(watcher))).json.active, true);
    const s = await h.srv.admin('PATCH', `/admin/clients/${c.client_id}/suspend`);
    assert.equal(s.status, 200, s.text);
    const r = await h.srv.introspect(t, auth(watcher));
    assert.deepEqual(r.json, { active: false });
  });
});

describe('revocation', () => {
  const h = useAuthserver();
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    ctx.a = await h.srv.createClient({ scope: 'mcp:echo' });
    ctx.b = await h.srv.createClient({ scope: 'mcp:echo' });
  });
  const auth = (c) => [c.client_id, c.client_secret];

  it('revoking own token → 200 empty body, then introspect → active:false', async () => {
    const t = (await h.srv.issueToken(ctx.a, { resource: URI })).access_token;
    assert.equal((await h.srv.introspect(t, auth(ctx.a))).json.active, true);
    const r = await h.srv.revoke(t, auth(ctx.a), { token_type_hint: 'access_token' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '');
    const i = await h.srv.introspect(t, auth(ctx.a));
    assert.deepEqual(i.json, { active: false });
    // Revoking again is still 200.
    assert.equal((await h.srv.revoke(t, auth(ctx.a))).status, 200);
  });

  it('revoking someone else\'s token → 200 but it stays active', async () => {
    const t = (await h.srv.issueToken(ctx.a, { resource: URI })).access_token;
    const r = await h.srv.revoke(t, auth(ctx.b));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.text, '');
    const i = await h.srv.introspect(t, auth(ctx.a));
    assert.equal(i.json.active, true, i.text);
  });

  it('unknown token → 200', async () => {
    const r = await h.srv.revoke('not-a-token', auth(ctx.a));
    assert.equal(r.status, 200, r.text);
  });

  it('missing token → 400 invalid_request "token parameter is required"', async () => {
    const r = await h.srv.post('/oauth/revoke', {}, { basic: auth(ctx.a) });
    assertOAuthError(r, 400, 'invalid_request', { desc: 'token parameter is required' });
  });

  it('bad client auth → 401 invalid_client', async () => {
    const t = (await h.srv.issueToken(ctx.a)).access_token;
    assertOAuthError(await h.srv.revoke(t, [ctx.a.client_id, 'wrong']), 401, 'invalid_client');
    assertOAuthError(await h.srv.revoke(t, ['nobody', 'x']), 401, 'invalid_client');
    assert.equal((await h.srv.introspect(t, auth(ctx.a))).json.active, true, 'failed revoke must not revoke');
  });

  it('admin DELETE /admin/tokens/{jti} → token inactive', async () => {
    const t = (await h.srv.issueToken(ctx.a)).access_token;
    const { jti } = decodeJwt(t).claims;
    const d = await h.srv.admin('DELETE', `/admin/tokens/${jti}`);
    assert.equal(d.status, 204, d.text);
    assert.deepEqual((await h.srv.introspect(t, auth(ctx.a))).json, { active: false });
  });
});
