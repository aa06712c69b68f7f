// Black-box harness for the authserver binary: spawns `authserver serve` on free loopback ports
// with a private temp directory, waits for /livez, and offers small HTTP helpers for the admin
// API and the token endpoint. Every process started here is killed at test teardown (t.after)
// and, as a last resort, when the node test process exits.
// Set AUTHPLANE_TEST_DUMP_STDERR=1 to print each server's captured stderr when it is stopped, and
// AUTHPLANE_TEST_KEEP_DIRS=1 to keep each server's temp dir (database, keys) after the test.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';

export const BIN_DIR = process.env.AUTHPLANE_BIN
  ? path.resolve(process.env.AUTHPLANE_BIN)
  : path.resolve(import.meta.dirname, '..', '..', 'build', 'bin');
export const AUTHSERVER = path.join(BIN_DIR, 'authserver');

const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

export function randomKey(len = 32) {
  // URL/shell-safe random string of exactly `len` characters.
  return randomBytes(len).toString('base64url').slice(0, len);
}

/** A free TCP port on 127.0.0.1 (listen on port 0, read it, close it). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Builds the child environment: the caller's env minus any AUTHPLANE_* (except BIN) plus ours. */
function childEnv(base, overrides) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('AUTHPLANE_') && k !== 'AUTHPLANE_BIN') continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries({ ...base, ...overrides })) {
    if (v === undefined || v === null) delete env[k];
    else env[k] = String(v);
  }
  return env;
}

/**
 * Spawns the binary with raw arguments and environment; does not wait for readiness.
 * Returns {proc, stdout(), stderr(), exited: Promise<{code, signal}>}.
 */
export function spawnRaw(args, env, opts = {}) {
  const proc = spawn(AUTHSERVER, args, { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let out = '';
  let err = '';
  proc.stdout.on('data', (d) => { out += d; if (out.length > 4_000_000) out = out.slice(-2_000_000); });
  proc.stderr.on('data', (d) => { err += d; if (err.length > 4_000_000) err = err.slice(-2_000_000); });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { live.delete(proc); resolve({ code, signal }); });
    proc.on('error', (e) => { live.delete(proc); err += `\n[spawn error] ${e.message}`; resolve({ code: -1, signal: null, error: e }); });
  });
  return { proc, stdout: () => out, stderr: () => err, exited };
}

/** Runs a CLI command (e.g. `admin client list`) synchronously with the given env. */
export function runCli(args, env, timeoutMs = 20_000) {
  const r = spawnSync(AUTHSERVER, args, { env, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

async function readBody(res) {
  const text = await res.text();
  let json;
  if (text.length) {
    try { json = JSON.parse(text); } catch { json = undefined; }
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** fetch + body read; returns {status, headers, text, json}. */
export async function http(url, init = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return readBody(res);
}

export function basicAuth(id, secret) {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}

/**
 * Starts `authserver serve` and waits (≤ readyTimeoutMs) for GET /livez → 200.
 * options: {env, args, t (test context for t.after cleanup), readyTimeoutMs, dir}
 */
export async function startAuthserver(options = {}) {
  const { env: overrides = {}, args = [], t, readyTimeoutMs = 10_000 } = options;
  const pubPort = await freePort();
  let admPort = await freePort();
  while (admPort === pubPort) admPort = await freePort();
  const dir = options.dir ?? await fs.mkdtemp(path.join(os.tmpdir(), 'authplane-e2e-'));
  const issuer = `http://127.0.0.1:${pubPort}`;
  const adminUrl = `http://127.0.0.1:${admPort}`;
  const adminKey = randomKey(32);
  const baseEnv = {
    AUTHPLANE_SERVER_ISSUER: issuer,
    AUTHPLANE_SERVER_ADDRESS: `127.0.0.1:${pubPort}`,
    AUTHPLANE_ADMIN_ADDRESS: `127.0.0.1:${admPort}`,
    AUTHPLANE_ADMIN_API_KEY: adminKey,
    AUTHPLANE_STORAGE_SQLITE_PATH: path.join(dir, 'authserver.db'),
    AUTHPLANE_SIGNING_KEY_PATH: path.join(dir, 'keys'),
    AUTHPLANE_LOG_LEVEL: 'warn',
  };
  const env = childEnv(baseEnv, overrides);

  const srv = {
    issuer,
    adminUrl,
    adminKey: env.AUTHPLANE_ADMIN_API_KEY,
    dir,
    env,
    pubPort,
    admPort,
    proc: null,
    run: null,
    /** All stderr captured across restarts (for diagnostics). */
    stderrLog: '',
    stderr() { return this.stderrLog + (this.run ? this.run.stderr() : ''); },
  };

  async function launch() {
    const run = spawnRaw(['serve', ...args], env, { cwd: dir });
    srv.run = run;
    srv.proc = run.proc;
    const deadline = Date.now() + readyTimeoutMs;
    let exitedEarly = null;
    run.exited.then((r) => { exitedEarly = r; });
    for (;;) {
      if (exitedEarly) {
        throw new Error(`authserver exited before ready (code=${exitedEarly.code} signal=${exitedEarly.signal})\n--- stderr ---\n${run.stderr().slice(-4000)}`);
      }
      try {
        const res = await fetch(`${issuer}/livez`, { signal: AbortSignal.timeout(1000) });
        await res.arrayBuffer();
        if (res.status === 200) break;
      } catch { /* not up yet */ }
      if (Date.now() > deadline) {
        run.proc.kill('SIGKILL');
        throw new Error(`authserver not ready within ${readyTimeoutMs} ms\n--- stderr ---\n${run.stderr().slice(-4000)}`);
      }
      await sleep(50);
    }
  }

  srv.stop = async () => {
    const run = srv.run;
    if (!run || run.proc.exitCode !== null || run.proc.signalCode !== null) return;
    run.proc.kill('SIGTERM');
    const timer = setTimeout(() => { try { run.proc.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
    await run.exited;
    clearTimeout(timer);
    srv.stderrLog += run.stderr();
    srv.run = null;
    if (process.env.AUTHPLANE_TEST_DUMP_STDERR && srv.stderrLog.trim()) {
      process.stderr.write(`--- authserver stderr (${issuer}) ---\n${srv.stderrLog.slice(-8000)}\n`);
    }
  };
  srv.kill9 = async () => {
    const run = srv.run;
    if (!run) return;
    run.proc.kill('SIGKILL');
    await run.exited;
    srv.stderrLog += run.stderr();
    srv.run = null;
  };
  srv.restart = async () => {
    await srv.stop();
    await launch();
  };
  /** Starts again after stop()/kill9() on the same dir and ports. */
  srv.start = launch;

  srv.admin = async (method, p, body, extra = {}) => {
    const headers = { authorization: `Bearer ${srv.adminKey}`, ...(extra.headers ?? {}) };
    let payload;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    return http(`${adminUrl}${p}`, { method, headers, body: payload });
  };

  srv.createResource = async ({ slug, uri, scopes = [], display_name, policy } = {}) => {
    const body = {
      slug,
      uri,
      display_name: display_name ?? slug,
      scopes: scopes.map((s) => (typeof s === 'string' ? { name: s, description: `scope ${s}` } : s)),
    };
    if (policy) body.policy = policy;
    const r = await srv.admin('POST', '/admin/resources', body);
    if (r.status !== 201) throw new Error(`createResource ${slug}: ${r.status} ${r.text}`);
    return r.json;
  };

  srv.createClient = async ({
    client_name = `client-${randomKey(6)}`,
    scope = 'mcp:echo',
    grant_types = ['client_credentials'],
    token_endpoint_auth_method = 'client_secret_basic',
    redirect_uris,
    ...rest
  } = {}) => {
    const body = { client_name, grant_types, token_endpoint_auth_method, scope, ...rest };
    if (redirect_uris) body.redirect_uris = redirect_uris;
    const r = await srv.admin('POST', '/admin/clients', body);
    if (r.status !== 201) throw new Error(`createClient: ${r.status} ${r.text}`);
    return r.json;
  };

  /** POST form to a public endpoint. opts: {basic:[id,secret], headers, contentType, rawBody} */
  srv.post = async (endpoint, form = {}, opts = {}) => {
    const headers = { ...(opts.headers ?? {}) };
    if (opts.basic) headers.authorization = basicAuth(opts.basic[0], opts.basic[1]);
    headers['content-type'] = opts.contentType ?? 'application/x-www-form-urlencoded';
    const body = opts.rawBody ?? new URLSearchParams(form).toString();
    return http(`${issuer}${endpoint}`, { method: 'POST', headers, body });
  };
  srv.tokenRequest = (form, opts) => srv.post('/oauth/token', form, opts);
  srv.introspect = (token, auth, extra = {}) => srv.post('/oauth/introspect', { token, ...extra }, { basic: auth });
  srv.revoke = (token, auth, extra = {}) => srv.post('/oauth/revoke', { token, ...extra }, { basic: auth });

  /** client_credentials token; throws unless 200. */
  srv.issueToken = async (client, form = {}, opts = {}) => {
    const r = await srv.tokenRequest({ grant_type: 'client_credentials', ...form },
      { basic: [client.client_id, client.client_secret], ...opts });
    if (r.status !== 200) throw new Error(`token request failed: ${r.status} ${r.text}`);
    return r.json;
  };

  srv.get = (p, init) => http(`${issuer}${p}`, init);

  /** Stops the server and removes its temp dir (kept when AUTHPLANE_TEST_KEEP_DIRS is set). */
  srv.dispose = async () => {
    await srv.stop();
    if (!options.dir && !process.env.AUTHPLANE_TEST_KEEP_DIRS) {
      await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
    }
  };

  if (t) t.after(async () => { await srv.dispose(); });
  await launch();
  return srv;
}

/** Exported stand-alone forms of the helpers (take the server as first argument). */
export const admin = (srv, method, p, body, extra) => srv.admin(method, p, body, extra);
export const createResource = (srv, o) => srv.createResource(o);
export const createClient = (srv, o) => srv.createClient(o);
export const tokenRequest = (srv, form, o) => srv.tokenRequest(form, o);

/**
 * Suite fixture: call inside describe(); starts a server in before() and stops it in after().
 * Returns a holder whose `.srv` is the running server.
 */
export function useAuthserver(options = {}) {
  const holder = { srv: null };
  before(async () => { holder.srv = await startAuthserver(options); });
  after(async () => { if (holder.srv) await holder.srv.dispose(); });
  return holder;
}
