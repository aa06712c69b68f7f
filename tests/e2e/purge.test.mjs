// `authserver purge` beside a running server: it deletes nothing that is still usable (live
// refresh chains keep rotating, access tokens stay active, reuse detection still revokes the whole
// family), it runs while the server is writing, and bad arguments get a clear refusal. What it
// deletes once rows are old enough is covered in server/storage/sqlite/test/sqlite_purge_test.cpp
// (the binary has no clock to move forward).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useAuthserver, spawnRaw, runCli } from '../lib/server.mjs';
import { codeFlow, discover, signedInBrowser } from '../lib/code_flow.mjs';
import { assertOAuthError } from '../lib/oauth.mjs';

const PW = 'e2e-Passw0rd-123';
const REDIRECT = 'http://127.0.0.1/callback';
const RES_URI = 'https://purge.example/mcp';
const NOTHING = 'purged 0 authorization codes, 0 refresh families, 0 refresh tokens, 0 issuances (expired or revoked more than 24h ago)\n';

describe('authserver purge', () => {
  const h = useAuthserver();
  let app, rs, flow;

  it('setup: resource, public app client, user, signed-in browser', async () => {
    rs = await h.srv.createClient({ scope: 'purge:read' });
    await h.srv.createResource({ slug: 'purge', uri: RES_URI, scopes: ['purge:read'],
      policy: { runtime: { client_ids: [rs.client_id] } } });
    app = await h.srv.createClient({ grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none',
      scope: 'purge:read', redirect_uris: [REDIRECT] });
    assert.equal((await h.srv.admin('POST', '/admin/users', { email: 'purge@example.com', password: PW })).status, 201);
    const b = await signedInBrowser(h.srv, 'purge@example.com', PW);
    flow = codeFlow({ as: await discover(h.srv.issuer), b, client: app, redirectUri: REDIRECT, resource: RES_URI });
  });

  const refresh = (refresh_token) => h.srv.tokenRequest({ grant_type: 'refresh_token', refresh_token, client_id: app.client_id });
  const active = async (token) => (await h.srv.introspect(token, [rs.client_id, rs.client_secret])).json.active;

  it('runs while refresh chains rotate and deletes nothing still usable; reuse then still revokes the whole family', async () => {
    const first = await flow.redeem(await flow.authorize('purge:read'));
    const spent = first.refresh_token;
    let current = spent;
    const accessTokens = [first.access_token];
    let rotating = true;
    const chain = (async () => {
      let n = 0;
      while (rotating || n < 20) {
        const r = await refresh(current);
        assert.equal(r.status, 200, r.text);
        current = r.json.refresh_token;
        accessTokens.push(r.json.access_token);
        n++;
      }
      return n;
    })();
    for (let k = 0; k < 3; k++) {
      const p = spawnRaw(['purge'], h.srv.env);
      const { code } = await p.exited;
      assert.equal(code, 0, p.stderr());
      assert.equal(p.stdout(), NOTHING);
      assert.doesNotMatch(p.stderr(), /"level":"(warn|error)"/);
    }
    rotating = false;
    const rotations = await chain;
    assert.ok(rotations >= 20);

    assert.equal(await active(first.access_token), true);
    assert.equal(await active(accessTokens.at(-1)), true);
    // Reuse of the first, long-spent token: the family and every access token of the chain go.
    assertOAuthError(await refresh(spent), 400, 'invalid_grant', { desc: 'token family revoked due to reuse detection' });
    for (const t of [first.access_token, accessTokens[10], accessTokens.at(-1)]) assert.equal(await active(t), false);
    assertOAuthError(await refresh(current), 400, 'invalid_grant');
  });

  it('--only, --grace and --timeout are checked; a missing database is an error, not a new file', () => {
    let r = runCli(['purge', '--only=refresh-tokens,sessions'], h.srv.env);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'authserver: purge: unknown kind "sessions" (--only takes authorization-codes, refresh-tokens, issuances)\n');
    r = runCli(['purge', '--grace=10m'], h.srv.env);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'authserver: purge: --grace "10m" must be a duration of at least 1h (e.g. 24h)\n');
    r = runCli(['purge', '--timeout=soon'], h.srv.env);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stderr, 'authserver: purge: --timeout "soon" must be a duration (e.g. 10m)\n');
    // A zero timeout starts no batch: nothing was purged, and exit 3 says work may be left.
    r = runCli(['purge', '--timeout=0s'], h.srv.env);
    assert.equal(r.status, 3, r.stderr);
    assert.equal(r.stdout, NOTHING);
    assert.equal(r.stderr, 'authserver: purge: stopped at --timeout 0s before it was done; what was purged stays purged, run again to continue\n');
    r = runCli(['purge', '--only=issuances', '--grace=48h'], h.srv.env);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'purged 0 authorization codes, 0 refresh families, 0 refresh tokens, 0 issuances (expired or revoked more than 48h ago)\n');
    const missing = `${h.srv.env.AUTHPLANE_STORAGE_SQLITE_PATH}.missing/authserver.db`;
    r = runCli(['purge'], { ...h.srv.env, AUTHPLANE_STORAGE_SQLITE_PATH: missing });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stderr, `authserver: purge: no database at ${missing} (storage.sqlite.path)\n`);
  });
});
