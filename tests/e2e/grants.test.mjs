// Admin API for consent grants through the real binary: the real login → authorize → consent →
// code → token flow, then DELETE /admin/grants/consent/{id} and its cascade: the refresh token
// gets invalid_grant, the access token introspects inactive, /oauth/authorize asks again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useAuthserver, runCli } from '../lib/server.mjs';
import { codeFlow, discover, signedInBrowser } from '../lib/code_flow.mjs';
import { assertOAuthError } from '../lib/oauth.mjs';

const PW = 'e2e-Passw0rd-123';
const REDIRECT = 'http://127.0.0.1/callback';
const RES_URI = 'https://notes.example/mcp';

describe('admin consent grants', () => {
  const h = useAuthserver();
  let as, app, rs, b, userId, flow;

  it('setup: resource, clients, user, signed-in browser', async () => {
    rs = await h.srv.createClient({ scope: 'notes:read' });
    await h.srv.createResource({ slug: 'notes', uri: RES_URI, scopes: ['notes:read', 'notes:write'],
      policy: { runtime: { client_ids: [rs.client_id] } } });
    app = await h.srv.createClient({ grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
      scope: 'notes:read notes:write', redirect_uris: [REDIRECT] });
    const u = await h.srv.admin('POST', '/admin/users', { email: 'grants@example.com', password: PW });
    assert.equal(u.status, 201);
    userId = u.json.id;
    b = await signedInBrowser(h.srv, 'grants@example.com', PW);
    as = await discover(h.srv.issuer);
    flow = codeFlow({ as, b, client: app, redirectUri: REDIRECT, resource: RES_URI });
  });

  const authorize = (scope = 'notes:read notes:write') => flow.authorize(scope);
  const redeem = (a) => flow.redeem(a);
  const rawRefresh = (refresh_token) => h.srv.tokenRequest({ grant_type: 'refresh_token', refresh_token, client_id: app.client_id });
  const introspect = async (token) => (await h.srv.introspect(token, [rs.client_id, rs.client_secret])).json;

  it('revoking a consent grant revokes its families, their access tokens, and asks for consent again', async () => {
    const first = await authorize();
    assert.equal(first.consented, true);
    const tok = await redeem(first);
    // A second code under the same grant: no consent page, a second family.
    const second = await authorize();
    assert.equal(second.consented, false);
    const tok2 = await redeem(second);
    const rotated = await rawRefresh(tok2.refresh_token);
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal((await introspect(tok.access_token)).active, true);

    const list = await h.srv.admin('GET', `/admin/grants/consent?user_id=${encodeURIComponent(userId)}&client_id=${encodeURIComponent(app.client_id)}`);
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.consent_grants.length, 1);
    const g = list.json.consent_grants[0];
    assert.equal(g.user_id, userId);
    assert.equal(g.client_id, app.client_id);
    assert.equal(g.resource, RES_URI);
    assert.ok(g.resource_id);
    assert.deepEqual(g.scopes, ['notes:read', 'notes:write']);
    assert.equal(g.revoked_at, undefined);
    const one = await h.srv.admin('GET', `/admin/grants/consent/${g.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.id, g.id);
    const perUser = await h.srv.admin('GET', `/admin/users/${userId}/grants`);
    assert.equal(perUser.status, 200);
    assert.deepEqual(perUser.json.broker_grants, []);
    assert.equal(perUser.json.consent_grants[0].id, g.id);

    const del = await h.srv.admin('DELETE', `/admin/grants/consent/${g.id}`);
    assert.equal(del.status, 204, del.text);

    assertOAuthError(await rawRefresh(tok.refresh_token), 400, 'invalid_grant');
    assertOAuthError(await rawRefresh(rotated.json.refresh_token), 400, 'invalid_grant');
    assert.deepEqual(await introspect(tok.access_token), { active: false });
    assert.deepEqual(await introspect(tok2.access_token), { active: false });
    assert.deepEqual(await introspect(rotated.json.access_token), { active: false });

    const after = await h.srv.admin('GET', `/admin/grants/consent/${g.id}`);
    assert.match(after.json.revoked_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const audit = await h.srv.admin('GET', '/admin/audit?action=consent_grant.revoked_admin');
    assert.equal(audit.status, 200, audit.text);
    assert.equal(audit.json.events.length, 1);
    assert.equal(audit.json.events[0].client_id, app.client_id);
    assert.equal(audit.json.events[0].detail, `grant_id=${g.id} user_id=${userId} revoked_issuances=3 revoked_families=2`);

    // The next authorization asks again, and a fresh consent works (the grant row is revived).
    const again = await authorize();
    assert.equal(again.consented, true);
    const tok3 = await redeem(again);
    assert.equal((await introspect(tok3.access_token)).active, true);
  });

  it('errors: 404 unknown grant, 400 bad filters', async () => {
    const nf = await h.srv.admin('GET', '/admin/grants/consent/nope');
    assert.equal(nf.status, 404);
    assert.equal(nf.json.detail, 'consent grant not found');
    assert.equal((await h.srv.admin('DELETE', '/admin/grants/consent/nope')).status, 404);
    const bad = await h.srv.admin('GET', '/admin/grants/consent?user_id=');
    assert.equal(bad.status, 400);
    assert.equal(bad.json.detail, 'user_id must not be empty');
    assert.equal((await h.srv.admin('GET', '/admin/grants/consent?limit=5000')).status, 400);
  });

  it('CLI: admin grant list / revoke go through the same handlers', async () => {
    const l = runCli(['admin', 'grant', 'list', '--user', userId], h.srv.env);
    assert.equal(l.status, 0, l.stderr);
    const grants = JSON.parse(l.stdout).consent_grants;
    assert.equal(grants.length, 1);
    const r = runCli(['admin', 'grant', 'revoke', '--id', grants[0].id], h.srv.env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(runCli(['admin', 'grant', 'revoke', '--id', 'nope'], h.srv.env).status, 4);
  });
});
