// Boot validation: the process refuses to start on unsafe configuration (reference §7).
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { spawnRaw, freePort, sleep, randomKey } from '../lib/server.mjs';

async function bootEnv(overrides) {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authplane-boot-'));
  const pub = await freePort();
  const adm = await freePort();
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AUTHPLANE_')) env[k] = v;
  Object.assign(env, {
    AUTHPLANE_SERVER_ADDRESS: `127.0.0.1:${pub}`,
    AUTHPLANE_ADMIN_ADDRESS: `127.0.0.1:${adm}`,
    AUTHPLANE_STORAGE_SQLITE_PATH: path.join(dir, 'authserver.db'),
    AUTHPLANE_SIGNING_KEY_PATH: path.join(dir, 'keys'),
    AUTHPLANE_LOG_LEVEL: 'warn',
  });
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return { env, dir };
}

/** Spawns `serve`, expects a non-zero exit within 5 s; returns stderr+stdout. */
async function expectBootFailure(t, overrides) {
  const { env, dir } = await bootEnv(overrides);
  const run = spawnRaw(['serve'], env, { cwd: dir });
  t.after(async () => {
    try { run.proc.kill('SIGKILL'); } catch { /* gone */ }
    await run.exited;
    await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
  });
  const res = await Promise.race([run.exited, sleep(5000).then(() => null)]);
  assert.ok(res !== null, `process still running after 5 s; stderr: ${run.stderr().slice(-1000)}`);
  assert.notEqual(res.code, 0, `exit code must be non-zero (got ${res.code}, signal ${res.signal})`);
  assert.equal(res.signal, null, `must exit cleanly, not crash (signal ${res.signal}); stderr: ${run.stderr().slice(-1000)}`);
  return run.stderr() + run.stdout();
}

const PROD = {
  AUTHPLANE_SERVER_ISSUER: 'https://auth.example.com',
  AUTHPLANE_SESSION_SECRET: 'Zq8vN3kT7wR2pL9xC4mB6yH1',
  AUTHPLANE_SESSION_SECURE: 'true',
};

describe('boot validation', () => {
  it('non-localhost issuer without an admin key → exits non-zero within 5 s naming AUTHPLANE_ADMIN_API_KEY', async (t) => {
    const out = await expectBootFailure(t, { ...PROD, AUTHPLANE_ADMIN_API_KEY: undefined });
    assert.match(out, /AUTHPLANE_ADMIN_API_KEY/, `stderr: ${out.slice(-1000)}`);
  });

  it('non-localhost issuer with a weak admin key → refused', async (t) => {
    const out = await expectBootFailure(t, { ...PROD, AUTHPLANE_ADMIN_API_KEY: 'changeme' });
    assert.ok(out.length > 0, 'some diagnostic on stderr');
  });

  it('identical public and admin addresses → refused', async (t) => {
    const port = await freePort();
    await expectBootFailure(t, {
      AUTHPLANE_SERVER_ISSUER: `http://127.0.0.1:${port}`,
      AUTHPLANE_SERVER_ADDRESS: `127.0.0.1:${port}`,
      AUTHPLANE_ADMIN_ADDRESS: `127.0.0.1:${port}`,
      AUTHPLANE_ADMIN_API_KEY: randomKey(32),
    });
  });

  it('unknown signing algorithm → refused', async (t) => {
    const port = await freePort();
    await expectBootFailure(t, {
      AUTHPLANE_SERVER_ISSUER: `http://127.0.0.1:${port}`,
      AUTHPLANE_ADMIN_API_KEY: randomKey(32),
      AUTHPLANE_SIGNING_ALGORITHM: 'HS256',
    });
  });

  it('public port already in use → exits non-zero (no hang)', async (t) => {
    const net = await import('node:net');
    const blocker = net.createServer();
    await new Promise((r) => blocker.listen(0, '127.0.0.1', r));
    t.after(() => blocker.close());
    const port = blocker.address().port;
    await expectBootFailure(t, {
      AUTHPLANE_SERVER_ISSUER: `http://127.0.0.1:${port}`,
      AUTHPLANE_SERVER_ADDRESS: `127.0.0.1:${port}`,
      AUTHPLANE_ADMIN_API_KEY: randomKey(32),
    });
  });
});
