// Token-endpoint benchmark: AuthPlane C++ authserver vs oidc-provider (Node), client_credentials
// with an RFC 8707 resource → ES256 JWT access token. Run through bench/token_bench.sh.
//
// Environment (all optional):
//   AUTHPLANE_BIN     directory holding the authserver binary   (default <repo>/build/bin)
//   BENCH_DURATION    seconds of load per server                (default 15)
//   BENCH_CONNECTIONS keep-alive connections                    (default 64)
//   BENCH_THREADS     wrk threads                               (default 4)
//   BENCH_TOOL        wrk | autocannon                          (default wrk when installed)
//   BENCH_ONLY        authserver | oidc-provider                (default both)
//   BENCH_JSON        path: also write the results as JSON
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const requireFromTests = createRequire(path.join(ROOT, 'tests', 'package.json'));
const BIN = path.resolve(process.env.AUTHPLANE_BIN ?? path.join(ROOT, 'build', 'bin'));
const AUTHSERVER = path.join(BIN, 'authserver');
const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const THREADS = Number(process.env.BENCH_THREADS ?? 4);
const HAVE_WRK = spawnSync('wrk', ['--version']).error === undefined;
const TOOL = process.env.BENCH_TOOL ?? (HAVE_WRK ? 'wrk' : 'autocannon');
const ONLY = process.env.BENCH_ONLY;
const RESOURCE = 'http://127.0.0.1:8080/mcp';
const SCOPE = 'mcp:echo';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const children = [];
const tmpDirs = [];
function cleanup() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
  }
  for (const d of tmpDirs) {
    try { fs.rmSync(d, { recursive: true, force: true }); } catch { /* ignore */ }
  }
}
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => { cleanup(); process.exit(130); });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (...a) => console.error('[bench]', ...a);

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

async function waitHttp(url, okStatus, timeoutMs, proc, name) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited early (code ${proc.exitCode})`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      if (r.status === okStatus) return;
    } catch { /* retry */ }
    if (Date.now() > deadline) throw new Error(`${name} not ready at ${url}`);
    await sleep(100);
  }
}

function procStat(pid) {
  // Fields after the parenthesised comm: state is field 3; utime 14, stime 15 (1-based).
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  const threads = Number(rest[17]);
  return { ticks: utime + stime, threads };
}

function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s) ?? [])[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

function decodeJwt(t) {
  const [h, p] = t.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

async function verifyTokenEndpoint(name, url, basic, issuer) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, resource: RESOURCE }),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${name}: token request ${r.status} ${text}`);
  const j = JSON.parse(text);
  const { header, claims } = decodeJwt(j.access_token);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const ok = header.alg === 'ES256' && header.typ === 'at+jwt' && aud.length === 1 && aud[0] === RESOURCE
    && claims.iss === issuer && claims.scope === SCOPE;
  if (!ok) throw new Error(`${name}: unexpected token ${JSON.stringify({ header, claims })}`);
  // Verify the signature against the server's JWKS.
  const jose = await import(pathToFileURL(requireFromTests.resolve('jose')).href);
  const meta = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
  await jose.jwtVerify(j.access_token, jwks, { issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['ES256'] });
  log(`${name}: token verified (ES256 at+jwt, aud ${RESOURCE}, ${j.access_token.length} bytes)`);
  return j.access_token.length;
}

function runWrk(url, basic, body, duration = DURATION, connections = CONNECTIONS) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wrk-'));
  tmpDirs.push(dir);
  const script = path.join(dir, 'post.lua');
  fs.writeFileSync(script, [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
    `wrk.headers["Authorization"] = ${JSON.stringify(basic)}`,
    'done = function(summary, latency, requests)',
    '  io.write(string.format("JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"non2xx\\":%d,\\"connect_err\\":%d,\\"read_err\\":%d,\\"write_err\\":%d,\\"timeout_err\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d}\\n",',
    '    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))',
    'end',
  ].join('\n'));
  const r = spawnSync('wrk', ['-t', String(Math.min(THREADS, connections)), '-c', String(connections), '-d', `${duration}s`, '--timeout', '10s', '-s', script, url],
    { encoding: 'utf8', maxBuffer: 16 << 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`wrk failed: ${r.stdout}\n${r.stderr}`);
  const j = JSON.parse(line.slice(5));
  const ok = j.requests - j.non2xx;
  return {
    ok,
    non2xx: j.non2xx,
    errors: j.connect_err + j.read_err + j.write_err + j.timeout_err,
    seconds: j.duration_us / 1e6,
    p50ms: j.p50_us / 1000,
    p99ms: j.p99_us / 1000,
    raw: r.stdout,
  };
}

async function runAutocannon(url, basic, body, duration = DURATION, connections = CONNECTIONS) {
  const autocannon = requireFromTests('autocannon');
  const res = await autocannon({
    url, method: 'POST', connections, duration, pipelining: 1,
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body,
  });
  return {
    ok: res['2xx'],
    non2xx: res.non2xx,
    errors: res.errors + res.timeouts,
    seconds: res.duration,
    p50ms: res.latency.p50,
    p99ms: res.latency.p99,
    raw: '',
  };
}

async function measure(name, pid, url, basic) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, resource: RESOURCE }).toString();
  const run = (d, c) => (TOOL === 'wrk' ? runWrk(url, basic, body, d, c) : runAutocannon(url, basic, body, d, c));
  // Idle RSS: after setup and one verified token, before any load.
  const idle = procStatus(pid);
  // Warm-up (2 s, 8 connections, not measured).
  await run(2, 8);
  await sleep(500);
  const s0 = procStat(pid);
  const t0 = process.hrtime.bigint();
  log(`${name}: ${TOOL}, ${CONNECTIONS} connections, ${DURATION} s …`);
  const load = await run(DURATION, CONNECTIONS);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const s1 = procStat(pid);
  const after = procStatus(pid);
  const cpuS = (s1.ticks - s0.ticks) / CLK_TCK;
  return {
    name,
    tokensPerS: load.ok / load.seconds,
    ok: load.ok,
    non2xx: load.non2xx,
    errors: load.errors,
    p50ms: load.p50ms,
    p99ms: load.p99ms,
    cpuUsPerToken: load.ok ? (cpuS * 1e6) / load.ok : NaN,
    cpuCores: cpuS / wallS,
    idleRssMb: idle.rssKb / 1024,
    peakRssMb: after.hwmKb / 1024,
    threads: s1.threads,
  };
}

async function startAuthserver() {
  if (!fs.existsSync(AUTHSERVER)) throw new Error(`${AUTHSERVER} not found — build first (scripts/setup.sh)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-authserver-'));
  tmpDirs.push(dir);
  const pub = await freePort();
  const adm = await freePort();
  const issuer = `http://127.0.0.1:${pub}`;
  const adminKey = crypto.randomBytes(24).toString('base64url');
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AUTHPLANE_'))),
    AUTHPLANE_SERVER_ISSUER: issuer,
    AUTHPLANE_SERVER_ADDRESS: `127.0.0.1:${pub}`,
    AUTHPLANE_ADMIN_ADDRESS: `127.0.0.1:${adm}`,
    AUTHPLANE_ADMIN_API_KEY: adminKey,
    AUTHPLANE_STORAGE_SQLITE_PATH: path.join(dir, 'authserver.db'),
    AUTHPLANE_SIGNING_KEY_PATH: path.join(dir, 'keys'),
    AUTHPLANE_RATE_LIMIT_ENABLED: 'false',
    AUTHPLANE_LOG_LEVEL: 'warn',
  };
  const proc = spawn(AUTHSERVER, ['serve'], { env, cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(proc);
  await waitHttp(`${issuer}/livez`, 200, 15_000, proc, 'authserver');
  const admin = async (p, body) => {
    const r = await fetch(`http://127.0.0.1:${adm}${p}`, {
      method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`admin ${p}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
  await admin('/admin/resources', { slug: 'bench', uri: RESOURCE, display_name: 'Bench MCP', scopes: [{ name: SCOPE, description: 'echo' }] });
  const c = await admin('/admin/clients', {
    client_name: 'bench', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: SCOPE,
  });
  const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`).toString('base64');
  return { proc, issuer, url: `${issuer}/oauth/token`, basic, dbPath: env.AUTHPLANE_STORAGE_SQLITE_PATH };
}

async function startOidcProvider() {
  const port = await freePort();
  const clientId = 'bench-client';
  const secret = crypto.randomBytes(32).toString('base64url');
  const proc = spawn(process.execPath, [path.join(ROOT, 'bench', 'oidc-provider-server.mjs')], {
    env: { ...process.env, NODE_ENV: 'production', OP_PORT: String(port), OP_CLIENT_ID: clientId, OP_CLIENT_SECRET: secret, OP_RESOURCE: RESOURCE, OP_SCOPE: SCOPE },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(proc);
  proc.stderr.on('data', (d) => { const s = String(d); if (!s.includes('WARNING')) process.stderr.write(`[oidc-provider] ${s}`); });
  const issuer = `http://127.0.0.1:${port}`;
  await waitHttp(`${issuer}/.well-known/openid-configuration`, 200, 15_000, proc, 'oidc-provider');
  const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return { proc, issuer, url: `${issuer}/token`, basic };
}

function fmt(n, d = 0) {
  return Number.isFinite(n) ? n.toFixed(d) : 'n/a';
}

async function main() {
  log(`host: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}, tool ${TOOL}`);
  const results = [];
  if (ONLY !== 'oidc-provider') {
    const a = await startAuthserver();
    await verifyTokenEndpoint('authserver', a.url, a.basic, a.issuer);
    results.push(await measure('authserver (C++)', a.proc.pid, a.url, a.basic));
    // Sanity: the server issued (and stored) that many tokens and is still healthy.
    const h = await fetch(`${a.issuer}/health`);
    log(`authserver /health after load: ${h.status}`);
    a.proc.kill('SIGTERM');
  }
  if (ONLY !== 'authserver') {
    const o = await startOidcProvider();
    await verifyTokenEndpoint('oidc-provider', o.url, o.basic, o.issuer);
    results.push(await measure('oidc-provider (Node)', o.proc.pid, o.url, o.basic));
    o.proc.kill('SIGTERM');
  }

  const rows = [['server', 'tokens/s', 'p50 ms', 'p99 ms', 'CPU µs/token', 'CPU cores used', 'idle RSS MB', 'peak RSS MB', 'ok', 'non-2xx', 'sock err']];
  for (const r of results) {
    rows.push([r.name, fmt(r.tokensPerS), fmt(r.p50ms, 2), fmt(r.p99ms, 2), fmt(r.cpuUsPerToken, 1), fmt(r.cpuCores, 2),
      fmt(r.idleRssMb, 1), fmt(r.peakRssMb, 1), String(r.ok), String(r.non2xx), String(r.errors)]);
  }
  if (results.length === 2) {
    const [a, o] = results;
    rows.push(['ratio C++ vs Node', `${fmt(a.tokensPerS / o.tokensPerS, 2)}×`, `${fmt(o.p50ms / a.p50ms, 2)}× lower`,
      `${fmt(o.p99ms / a.p99ms, 2)}× lower`, `${fmt(o.cpuUsPerToken / a.cpuUsPerToken, 2)}× less`, '', `${fmt(o.idleRssMb / a.idleRssMb, 2)}× less`, '', '', '', '']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(rows[0]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows.slice(1)) console.log(line(r));
  console.log(`\n${CONNECTIONS} keep-alive connections, ${DURATION} s per server, ${TOOL}; ${os.cpus().length} CPUs; CLK_TCK ${CLK_TCK}.`);
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ date: new Date().toISOString(), tool: TOOL, connections: CONNECTIONS, duration: DURATION, cpus: os.cpus().length, results }, null, 2));
  for (const r of results) {
    if (r.non2xx > 0 || r.errors > 0) log(`WARNING: ${r.name} had ${r.non2xx} non-2xx responses and ${r.errors} socket errors`);
  }
}

main().then(() => { cleanup(); process.exit(0); }, (e) => { console.error(e); cleanup(); process.exit(1); });
