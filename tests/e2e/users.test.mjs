// Users (reference §3.2 Users, §9 `admin user …`): the admin API and the CLI through the real
// binary. Exact statuses, problem details and views; passwords never echoed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { useAuthserver, AUTHSERVER } from '../lib/server.mjs';

const PW = 'e2e-Passw0rd-123';

/** Runs `authserver <args>` with optional stdin; returns {status, stdout, stderr, json, ctx}. */
function cli(srv, args, input) {
  const r = spawnSync(AUTHSERVER, args, { env: srv.env, encoding: 'utf8', timeout: 20_000, input });
  let json;
  try { json = JSON.parse(r.stdout.trim()); } catch { json = undefined; }
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, json, ctx: `authserver ${args.join(' ')} → ${r.status}\n${r.stdout}\n${r.stderr.slice(0, 600)}` };
}

function expectProblem(r, status, detail) {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers.get('content-type'), /^application\/problem\+json/);
  assert.equal(r.json.detail, detail);
  assert.equal(r.json.status, status);
}

describe('admin users API', () => {
  const h = useAuthserver();
  const create = (body) => h.srv.admin('POST', '/admin/users', body);

  it('POST /admin/users → 201 userView without the password; duplicate email (any case) → 409', async () => {
    const r = await create({ email: 'Alice@Example.com', name: 'Alice', password: PW, role: 'admin' });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(Object.keys(r.json).sort(), ['created_at', 'email', 'id', 'name', 'provider', 'role', 'status', 'updated_at']);
    assert.equal(r.json.id.length, 22);
    assert.equal(r.json.email, 'Alice@Example.com');
    assert.equal(r.json.role, 'admin');
    assert.equal(r.json.status, 'active');
    assert.equal(r.json.provider, 'local');
    assert.ok(!r.text.includes(PW));
    expectProblem(await create({ email: 'alice@EXAMPLE.com', password: PW }), 409, 'user with this email already exists');
  });

  it('validation errors are 400 problem+json with the exact detail', async () => {
    expectProblem(await create({ email: 'x@example.com' }), 400, 'email and password are required');
    expectProblem(await create({ password: PW }), 400, 'email and password are required');
    expectProblem(await create({ email: 'nope', password: PW }), 400, 'email is not a valid address');
    expectProblem(await create({ email: 'x@example.com', password: 'short' }), 400, 'password must be at least 8 bytes');
    expectProblem(await create({ email: 'x@example.com', password: 'p'.repeat(1025) }), 400, 'password must be at most 1024 bytes');
    expectProblem(await create({ email: 'x@example.com', password: PW, role: 'root' }), 400, 'role must be admin or user');
    const raw = await h.srv.admin('POST', '/admin/users', undefined, { headers: { 'content-type': 'application/json' } });
    expectProblem(raw, 400, 'invalid JSON body');
  });

  it('GET list (filters, pages), GET one, 404 for unknown ids, 401 without the key', async () => {
    const a = (await create({ email: 'list-a@example.com', password: PW })).json;
    const b = (await create({ email: 'list-b@example.com', password: PW })).json;
    assert.equal((await h.srv.admin('PATCH', `/admin/users/${a.id}/disable`)).status, 200);
    const disabled = await h.srv.admin('GET', '/admin/users?status=disabled');
    assert.equal(disabled.status, 200);
    assert.deepEqual(disabled.json.users.map((u) => u.id), [a.id]);
    const page = await h.srv.admin('GET', '/admin/users?limit=1');
    assert.equal(page.json.users.length, 1);
    expectProblem(await h.srv.admin('GET', '/admin/users?status=x'), 400, 'status must be one of active, disabled');
    const one = await h.srv.admin('GET', `/admin/users/${b.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.email, 'list-b@example.com');
    expectProblem(await h.srv.admin('GET', '/admin/users/unknown'), 404, 'user not found');
    const anon = await fetch(`${h.srv.adminUrl}/admin/users`);
    assert.equal(anon.status, 401);
    assert.equal((await anon.json()).error, 'unauthorized');
  });

  it('PATCH changes given fields; disable/enable transitions with 409 on repeats', async () => {
    const u = (await create({ email: 'patch@example.com', password: PW })).json;
    const p = await h.srv.admin('PATCH', `/admin/users/${u.id}`, { name: 'Renamed', password: 'new-Passw0rd-9' });
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.name, 'Renamed');
    assert.ok(!p.text.includes('new-Passw0rd-9'));
    const d = await h.srv.admin('PATCH', `/admin/users/${u.id}/disable`);
    assert.deepEqual([d.status, d.json], [200, { status: 'disabled' }]);
    expectProblem(await h.srv.admin('PATCH', `/admin/users/${u.id}/disable`), 409, 'cannot disable a user whose status is disabled');
    const e = await h.srv.admin('PATCH', `/admin/users/${u.id}/enable`);
    assert.deepEqual([e.status, e.json], [200, { status: 'active' }]);
    expectProblem(await h.srv.admin('PATCH', `/admin/users/${u.id}/enable`), 409, 'cannot enable a user whose status is active');
  });

  it('force logout → {user_id, tokens_revoked}; DELETE → 204 then 404; audit records every step', async () => {
    const u = (await create({ email: 'gone@example.com', password: PW })).json;
    const f = await h.srv.admin('DELETE', `/admin/users/${u.id}/tokens`);
    assert.deepEqual([f.status, f.json], [200, { user_id: u.id, tokens_revoked: 0 }]);
    expectProblem(await h.srv.admin('DELETE', `/admin/users/${u.id}?force=maybe`), 400, 'force must be true or false');
    const del = await h.srv.admin('DELETE', `/admin/users/${u.id}`);
    assert.equal(del.status, 204);
    expectProblem(await h.srv.admin('DELETE', `/admin/users/${u.id}`), 404, 'user not found');
    expectProblem(await h.srv.admin('DELETE', `/admin/users/${u.id}/tokens`), 404, 'user not found');
    const audit = await h.srv.admin('GET', '/admin/audit?limit=1000');
    const mine = audit.json.events.filter((e) => e.detail.includes(`user_id=${u.id}`)).map((e) => e.action).sort();
    assert.deepEqual(mine, ['user.created', 'user.deleted', 'user.force_logout']);
    assert.ok(!audit.text.includes(PW));
  });

  it('users and their state survive a restart', async () => {
    const u = (await create({ email: 'durable@example.com', password: PW })).json;
    await h.srv.admin('PATCH', `/admin/users/${u.id}/disable`);
    await h.srv.restart();
    const g = await h.srv.admin('GET', `/admin/users/${u.id}`);
    assert.equal(g.status, 200);
    assert.equal(g.json.status, 'disabled');
  });
});

describe('CLI admin user', () => {
  const h = useAuthserver();

  it('create with --password-stdin, then list/get/update/disable/enable/logout/delete', async () => {
    const c = cli(h.srv, ['admin', 'user', 'create', '--email', 'cli@example.com', '--name', 'Cli', '--password-stdin'], `${PW}\n`);
    assert.equal(c.status, 0, c.ctx);
    assert.equal(c.json.email, 'cli@example.com');
    assert.ok(!c.stdout.includes(PW));
    const id = c.json.id;
    const overHttp = await h.srv.admin('GET', `/admin/users/${id}`);
    assert.equal(overHttp.status, 200, 'a user created by the CLI is visible to the running server');

    const list = cli(h.srv, ['admin', 'user', 'list', '--status', 'active']);
    assert.equal(list.status, 0, list.ctx);
    assert.ok(list.json.users.some((u) => u.id === id));
    const get = cli(h.srv, ['admin', 'user', 'get', id]);
    assert.equal(get.json.name, 'Cli');
    const upd = cli(h.srv, ['admin', 'user', 'update', id, '--name', 'Renamed', '--role', 'admin']);
    assert.equal(upd.status, 0, upd.ctx);
    assert.deepEqual([upd.json.name, upd.json.role], ['Renamed', 'admin']);
    assert.deepEqual(cli(h.srv, ['admin', 'user', 'disable', id]).json, { status: 'disabled' });
    assert.equal(cli(h.srv, ['admin', 'user', 'disable', id]).status, 1);
    assert.deepEqual(cli(h.srv, ['admin', 'user', 'enable', id]).json, { status: 'active' });
    assert.deepEqual(cli(h.srv, ['admin', 'user', 'logout', id]).json, { user_id: id, tokens_revoked: 0 });
    assert.deepEqual(cli(h.srv, ['admin', 'user', 'force-logout', id]).json, { user_id: id, tokens_revoked: 0 });
    assert.equal(cli(h.srv, ['admin', 'user', 'delete', id]).status, 0);
    const missing = cli(h.srv, ['admin', 'user', 'get', id]);
    assert.equal(missing.status, 4, missing.ctx);
    assert.equal(missing.json.detail, 'user not found');
  });

  it('create with --password works; a short password exits 1 with the problem detail', () => {
    const ok = cli(h.srv, ['admin', 'user', 'create', '--email', 'flag@example.com', '--password', PW]);
    assert.equal(ok.status, 0, ok.ctx);
    const bad = cli(h.srv, ['admin', 'user', 'create', '--email', 'short@example.com', '--password-stdin'], 'short\n');
    assert.equal(bad.status, 1, bad.ctx);
    assert.equal(bad.json.detail, 'password must be at least 8 bytes');
    const none = cli(h.srv, ['admin', 'user', 'create', '--email', 'nopw@example.com']);
    assert.equal(none.status, 1, none.ctx);
    assert.equal(none.json.detail, 'email and password are required');
    const dup = cli(h.srv, ['admin', 'user', 'create', '--email', 'FLAG@example.com', '--password', PW]);
    assert.equal(dup.status, 1, dup.ctx);
    assert.equal(dup.json.detail, 'user with this email already exists');
  });

  it('--password and --password-stdin together are refused by the parser', () => {
    const r = cli(h.srv, ['admin', 'user', 'create', '--email', 'both@example.com', '--password', PW, '--password-stdin'], `${PW}\n`);
    assert.notEqual(r.status, 0, r.ctx);
  });
});
