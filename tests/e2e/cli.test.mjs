// CLI: `authserver admin …` works directly against the datastore with the same environment (reference §9).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useAuthserver, runCli } from '../lib/server.mjs';
import { decodeJwt } from '../lib/oauth.mjs';

/** Extracts the first JSON value from CLI output (tolerates log lines around it). */
function parseJsonOut(out) {
  const s = out.trim();
  try { return JSON.parse(s); } catch { /* fall through */ }
  const start = s.search(/[[{]/);
  assert.ok(start >= 0, `no JSON in CLI output: ${s.slice(0, 300)}`);
  return JSON.parse(s.slice(start));
}

function cli(srv, args) {
  const r = runCli(args, srv.env);
  return { ...r, ctx: `authserver ${args.join(' ')} → status ${r.status}\nstdout: ${r.stdout.slice(0, 600)}\nstderr: ${r.stderr.slice(0, 600)}` };
}

describe('CLI', () => {
  const h = useAuthserver();

  it('`authserver version` exits 0 and prints something', () => {
    const r = cli(h.srv, ['version']);
    assert.equal(r.status, 0, r.ctx);
    assert.ok((r.stdout + r.stderr).trim().length > 0, r.ctx);
  });

  it('`authserver admin --help` exits 0', () => {
    const r = cli(h.srv, ['admin', '--help']);
    assert.equal(r.status, 0, r.ctx);
    assert.match(r.stdout + r.stderr, /client/, r.ctx);
  });

  it('`admin client list` prints JSON containing a client created over HTTP', async () => {
    const c = await h.srv.createClient({ client_name: 'cli-visible', scope: 'mcp:echo' });
    const r = cli(h.srv, ['admin', 'client', 'list']);
    assert.equal(r.status, 0, r.ctx);
    parseJsonOut(r.stdout);
    assert.ok(r.stdout.includes(c.client_id), r.ctx);
    assert.ok(!r.stdout.includes(c.client_secret), 'list must not print secrets');
  });

  it('`admin resource create --slug --uri --scopes a,b` → visible over HTTP and in PRM', async () => {
    const uri = 'http://127.0.0.1:8080/cli-mcp';
    const r = cli(h.srv, ['admin', 'resource', 'create', '--slug', 'cli-res', '--uri', uri, '--scopes', 'a,b']);
    assert.equal(r.status, 0, r.ctx);
    const list = await h.srv.admin('GET', '/admin/resources');
    const res = list.json.resources.find((x) => x.slug === 'cli-res');
    assert.ok(res, `resource created by CLI not visible over HTTP: ${list.text}`);
    assert.equal(res.uri, uri);
    assert.deepEqual(res.scopes.map((s) => s.name).sort(), ['a', 'b']);
    const prm = await h.srv.get('/.well-known/oauth-protected-resource/cli-mcp');
    assert.equal(prm.status, 200, `PRM for a CLI-created resource on the running server: ${prm.text}`);
    assert.deepEqual([...prm.json.scopes_supported].sort(), ['a', 'b']);
    const c = await h.srv.createClient({ scope: 'a' });
    const tok = await h.srv.tokenRequest({ grant_type: 'client_credentials', resource: uri }, { basic: [c.client_id, c.client_secret] });
    assert.equal(tok.status, 200, `token for a CLI-created resource on the running server: ${tok.text}`);
  });

  it('`admin client create` → the printed secret works at the token endpoint', async () => {
    const r = cli(h.srv, ['admin', 'client', 'create', '--name', 'cli-client', '--auth-method', 'client_secret_basic',
      '--grant-types', 'client_credentials', '--scope', 'a b']);
    assert.equal(r.status, 0, r.ctx);
    const j = parseJsonOut(r.stdout);
    assert.equal(typeof j.client_id, 'string', r.ctx);
    assert.equal(typeof j.client_secret, 'string', r.ctx);
    // No resource here: resource visibility is the previous test's concern.
    const tok = await h.srv.issueToken(j, { scope: 'a' });
    assert.equal(decodeJwt(tok.access_token).claims.sub, j.client_id);
    assert.equal(decodeJwt(tok.access_token).claims.scope, 'a');
  });

  it('`admin key rotate` → new kid served in JWKS and used for new tokens', async () => {
    const before = (await h.srv.get('/.well-known/jwks.json')).json.keys.map((k) => k.kid);
    const r = cli(h.srv, ['admin', 'key', 'rotate']);
    assert.equal(r.status, 0, r.ctx);
    // The running server re-reads the key directory at most once a second: no restart needed.
    let kids = before;
    for (let i = 0; i < 30 && kids.length === before.length; i++) {
      await new Promise((res) => setTimeout(res, 100));
      kids = (await h.srv.get('/.well-known/jwks.json')).json.keys.map((k) => k.kid);
    }
    const added = kids.filter((k) => !before.includes(k));
    assert.equal(added.length, 1, `one new kid expected: before=${before} after=${kids}`);
    for (const k of before) assert.ok(kids.includes(k), 'previous key kept');
    const list = cli(h.srv, ['admin', 'key', 'list']);
    assert.equal(list.status, 0, list.ctx);
    assert.ok(list.stdout.includes(added[0]), list.ctx);
  });

  it('`admin client suspend|rotate-secret|delete` take effect on the running server (no stale client cache)', async () => {
    const a = await h.srv.createClient({ scope: 'a' });
    const b = await h.srv.createClient({ scope: 'a' });
    const c = await h.srv.createClient({ scope: 'a' });
    for (const x of [a, b, c]) await h.srv.issueToken(x); // warm any cache
    const sus = cli(h.srv, ['admin', 'client', 'suspend', a.client_id]);
    assert.equal(sus.status, 0, sus.ctx);
    const rot = cli(h.srv, ['admin', 'client', 'rotate-secret', b.client_id]);
    assert.equal(rot.status, 0, rot.ctx);
    const del = cli(h.srv, ['admin', 'client', 'delete', '--force', c.client_id]);
    assert.equal(del.status, 0, del.ctx);
    const failures = [];
    const view = await h.srv.admin('GET', `/admin/clients/${a.client_id}`);
    if (view.json?.status !== 'suspended') failures.push(`admin API shows status ${view.json?.status} after CLI suspend`);
    for (const [label, x] of [['suspended', a], ['old secret after rotate', b], ['deleted', c]]) {
      const r = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [x.client_id, x.client_secret] });
      if (r.status !== 401) failures.push(`${label} client still gets a token (HTTP ${r.status})`);
    }
    assert.deepEqual(failures, []);
  });

  it('unknown subcommand → non-zero exit', () => {
    const r = cli(h.srv, ['admin', 'no-such-thing']);
    assert.notEqual(r.status, 0, r.ctx);
  });

  it('`admin client delete` of an unknown id → exit code 4 (not found)', () => {
    const r = cli(h.srv, ['admin', 'client', 'delete', 'does-not-exist']);
    assert.equal(r.status, 4, r.ctx);
  });
});
