// Admin API (reference §3): API-key auth, resources, client lifecycle, keys, audit, stats, config.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { useAuthserver, http } from '../lib/server.mjs';
import { assertOAuthError, decodeJwt } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

describe('admin API authentication', () => {
  const h = useAuthserver();

  it('missing key → 401 unauthorized "missing API key" + WWW-Authenticate Bearer realm="admin"', async () => {
    const r = await http(`${h.srv.adminUrl}/admin/clients`);
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.json, { error: 'unauthorized', error_description: 'missing API key' });
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="admin"');
  });

  it('wrong key → 401 "invalid API key"', async () => {
    const r = await http(`${h.srv.adminUrl}/admin/clients`, { headers: { authorization: `Bearer ${h.srv.adminKey}x` } });
    assert.equal(r.status, 401, r.text);
    assert.deepEqual(r.json, { error: 'unauthorized', error_description: 'invalid API key' });
    assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="admin"');
  });

  it('wrong scheme (Basic) → 401', async () => {
    const r = await http(`${h.srv.adminUrl}/admin/clients`, {
      headers: { authorization: `Basic ${Buffer.from(`admin:${h.srv.adminKey}`).toString('base64')}` },
    });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json.error, 'unauthorized');
  });

  it('admin routes are not served on the public port', async () => {
    const r = await http(`${h.srv.issuer}/admin/clients`, { headers: { authorization: `Bearer ${h.srv.adminKey}` } });
    assert.ok(r.status >= 400 && r.status < 500, `public port must not serve /admin/clients: ${r.status} ${r.text}`);
  });

  it('POST /admin/auth/verify → {valid:true}', async () => {
    const r = await h.srv.admin('POST', '/admin/auth/verify');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.valid, true);
  });
});

describe('admin resources', () => {
  const h = useAuthserver();

  it('POST /admin/resources → 201 ResourceView; duplicate slug → 409 problem+json', async () => {
    const body = { slug: 'echo', uri: URI, display_name: 'Echo', scopes: [{ name: 'mcp:echo', description: 'Echo tool' }, { name: 'mcp:admin', description: 'Admin' }] };
    const r = await h.srv.admin('POST', '/admin/resources', body);
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.slug, 'echo');
    assert.equal(r.json.uri, URI);
    assert.equal(typeof r.json.id, 'string');
    assert.deepEqual(r.json.scopes.map((s) => s.name), ['mcp:echo', 'mcp:admin']);

    const dup = await h.srv.admin('POST', '/admin/resources', { ...body, uri: 'http://127.0.0.1:8080/other' });
    assert.equal(dup.status, 409, dup.text);
    assert.match(dup.headers.get('content-type') ?? '', /^application\/problem\+json\b/i);
    assert.equal(dup.json.status, 409);
    assert.equal(typeof dup.json.title, 'string');
    assert.equal(typeof dup.json.detail, 'string');
  });

  it('GET /admin/resources lists it', async () => {
    const r = await h.srv.admin('GET', '/admin/resources');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.resources.some((x) => x.slug === 'echo'), r.text);
  });

  it('invalid slug / relative uri → 400', async () => {
    const bad = await h.srv.admin('POST', '/admin/resources', { slug: '-bad slug-', uri: URI, display_name: 'x', scopes: [] });
    assert.equal(bad.status, 400, bad.text);
    const rel = await h.srv.admin('POST', '/admin/resources', { slug: 'rel', uri: '/mcp', display_name: 'x', scopes: [] });
    assert.equal(rel.status, 400, rel.text);
  });

  it('malformed JSON body → 400', async () => {
    const r = await h.srv.admin('POST', '/admin/resources', '{"slug": ');
    assert.equal(r.status, 400, r.text);
  });
});

describe('admin client lifecycle', () => {
  const h = useAuthserver();
  const ctx = {};

  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
  });

  it('POST /admin/clients → 201 with client_id and 43-char client_secret', async () => {
    const r = await h.srv.admin('POST', '/admin/clients', {
      client_name: 'svc', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:echo mcp:admin',
    });
    assert.equal(r.status, 201, r.text);
    assert.equal(typeof r.json.client_id, 'string');
    assert.ok(r.json.client_id.length > 0);
    assert.equal(typeof r.json.client_secret, 'string');
    assert.equal(r.json.client_secret.length, 43, r.json.client_secret);
    assert.match(r.json.client_secret, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(r.json.scope, 'mcp:echo mcp:admin');
    assert.equal(r.json.token_endpoint_auth_method, 'client_secret_basic');
    ctx.client = r.json;
  });

  it('GET /admin/clients/{id} never contains the secret', async () => {
    const r = await h.srv.admin('GET', `/admin/clients/${ctx.client.client_id}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes(ctx.client.client_secret), 'secret leaked');
    assert.equal(r.json.client_secret, undefined);
    assert.equal(r.json.status, 'active');
    const list = await h.srv.admin('GET', '/admin/clients');
    assert.equal(list.status, 200, list.text);
    assert.ok(!list.text.includes(ctx.client.client_secret), 'secret leaked in list');
    assert.ok(list.text.includes(ctx.client.client_id));
  });

  it('GET unknown client → 404', async () => {
    const r = await h.srv.admin('GET', '/admin/clients/does-not-exist');
    assert.equal(r.status, 404, r.text);
  });

  it('rotate-secret: new secret works, old one → 401 invalid_client', async () => {
    const c = ctx.client;
    await h.srv.issueToken(c);
    const r = await h.srv.admin('POST', `/admin/clients/${c.client_id}/rotate-secret`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.client_id, c.client_id);
    assert.equal(r.json.client_secret.length, 43);
    assert.notEqual(r.json.client_secret, c.client_secret);
    const old = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [c.client_id, c.client_secret] });
    assertOAuthError(old, 401, 'invalid_client');
    ctx.client = { ...c, client_secret: r.json.client_secret };
    await h.srv.issueToken(ctx.client);
  });

  it('suspend → token requests 401 invalid_client; reactivate → works again', async () => {
    const c = ctx.client;
    const s = await h.srv.admin('PATCH', `/admin/clients/${c.client_id}/suspend`);
    assert.equal(s.status, 200, s.text);
    assert.equal(s.json.status, 'suspended');
    const denied = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [c.client_id, c.client_secret] });
    assertOAuthError(denied, 401, 'invalid_client');
    const again = await h.srv.admin('PATCH', `/admin/clients/${c.client_id}/suspend`);
    assert.equal(again.status, 409, `suspend of a suspended client: ${again.text}`);
    const re = await h.srv.admin('PATCH', `/admin/clients/${c.client_id}/reactivate`);
    assert.equal(re.status, 200, re.text);
    assert.equal(re.json.status, 'active');
    await h.srv.issueToken(c);
  });

  it('DELETE with active tokens → 409; ?force=true → 204 and its tokens introspect inactive', async () => {
    const c = await h.srv.createClient({ scope: 'mcp:echo' });
    const watcher = await h.srv.createClient({ scope: 'mcp:echo' });
    const add = await h.srv.admin('POST', '/admin/resources/echo/policy/runtime/client-ids', { client_id: watcher.client_id });
    assert.ok(add.status === 200 || add.status === 201, add.text);
    const tok = await h.srv.issueToken(c, { resource: URI });
    const before = await h.srv.introspect(tok.access_token, [watcher.client_id, watcher.client_secret]);
    assert.equal(before.status, 200, before.text);
    assert.equal(before.json.active, true, `watcher should see the token active before delete: ${before.text}`);

    const d = await h.srv.admin('DELETE', `/admin/clients/${c.client_id}`);
    assert.equal(d.status, 409, d.text);
    const still = await h.srv.admin('GET', `/admin/clients/${c.client_id}`);
    assert.equal(still.status, 200, 'client still exists after refused delete');

    const f = await h.srv.admin('DELETE', `/admin/clients/${c.client_id}?force=true`);
    assert.equal(f.status, 204, f.text);
    assert.equal(f.text, '');
    const gone = await h.srv.admin('GET', `/admin/clients/${c.client_id}`);
    assert.equal(gone.status, 404, gone.text);
    const after = await h.srv.introspect(tok.access_token, [watcher.client_id, watcher.client_secret]);
    assert.equal(after.status, 200, after.text);
    assert.deepEqual(after.json, { active: false });
    const cred = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [c.client_id, c.client_secret] });
    assertOAuthError(cred, 401, 'invalid_client');
  });

  it('DELETE client without tokens → 204', async () => {
    const c = await h.srv.createClient({ scope: 'mcp:echo' });
    const d = await h.srv.admin('DELETE', `/admin/clients/${c.client_id}`);
    assert.equal(d.status, 204, d.text);
  });

  it('GET /admin/audit contains client.created_admin and client_credentials.issued', async () => {
    const r = await h.srv.admin('GET', '/admin/audit?limit=1000');
    assert.equal(r.status, 200, r.text);
    const actions = new Set(r.json.events.map((e) => e.action));
    assert.ok(actions.has('client.created_admin'), `actions: ${[...actions]}`);
    assert.ok(actions.has('client_credentials.issued'), `actions: ${[...actions]}`);
    const ev = r.json.events.find((e) => e.action === 'client_credentials.issued');
    for (const f of ['id', 'action', 'created_at']) assert.ok(f in ev, `audit event field ${f}`);
    const filtered = await h.srv.admin('GET', '/admin/audit?action=client.created_admin');
    assert.equal(filtered.status, 200, filtered.text);
    assert.ok(filtered.json.events.length > 0);
    assert.ok(filtered.json.events.every((e) => e.action === 'client.created_admin'), filtered.text);
  });

  it('GET /admin/audit rejects out-of-bounds limit', async () => {
    const r = await h.srv.admin('GET', '/admin/audit?limit=100000');
    assert.equal(r.status, 400, r.text);
  });

  it('GET /admin/system/config contains no admin key', async () => {
    const r = await h.srv.admin('GET', '/admin/system/config');
    assert.equal(r.status, 200, r.text);
    assert.ok(!r.text.includes(h.srv.adminKey), 'admin key leaked in system config');
    assert.equal(r.json.issuer, h.srv.issuer);
  });

  it('GET /admin/stats', async () => {
    const r = await h.srv.admin('GET', '/admin/stats');
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.json.clients, 'number', r.text);
    assert.ok(r.json.clients >= 2, r.text);
  });
});

describe('admin signing keys', () => {
  const h = useAuthserver();

  it('rotate: new kid, JWKS lists both, old tokens still active, new tokens carry the new kid', async () => {
    const srv = h.srv;
    await srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    const c = await srv.createClient({ scope: 'mcp:echo' });

    const k0 = await srv.admin('GET', '/admin/keys');
    assert.equal(k0.status, 200, k0.text);
    assert.ok(Array.isArray(k0.json.keys) && k0.json.keys.length >= 1, k0.text);
    const jwks0 = await srv.get('/.well-known/jwks.json');
    const oldKid = jwks0.json.keys[0].kid;
    assert.ok(k0.json.keys.some((k) => k.kid === oldKid), 'admin key list includes the JWKS kid');

    const before = await srv.issueToken(c, { resource: URI });
    assert.equal(decodeJwt(before.access_token).header.kid, oldKid);

    const rot = await srv.admin('POST', '/admin/keys/rotate');
    assert.ok(rot.status === 200 || rot.status === 201, rot.text);
    assert.equal(typeof rot.json.kid, 'string');
    assert.notEqual(rot.json.kid, oldKid);
    assert.equal(rot.json.alg, 'ES256');

    const jwks1 = await srv.get('/.well-known/jwks.json');
    const kids = jwks1.json.keys.map((k) => k.kid);
    assert.ok(kids.includes(oldKid), `old kid kept: ${kids}`);
    assert.ok(kids.includes(rot.json.kid), `new kid listed: ${kids}`);

    const k1 = await srv.admin('GET', '/admin/keys');
    assert.ok(k1.json.keys.some((k) => k.kid === rot.json.kid), k1.text);

    const after = await srv.issueToken(c, { resource: URI });
    assert.equal(decodeJwt(after.access_token).header.kid, rot.json.kid);

    for (const tok of [before.access_token, after.access_token]) {
      const i = await srv.introspect(tok, [c.client_id, c.client_secret]);
      assert.equal(i.status, 200, i.text);
      assert.equal(i.json.active, true, i.text);
    }
  });
});
