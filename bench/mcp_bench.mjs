// Protected MCP tools/call over HTTP, 64 keep-alive connections: AuthPlane's C++ MCP server with
// the SDK guard (retrofit-after) and without it (retrofit-before), the MCP TypeScript SDK behind
// requireBearerAuth + jose, and a plain express endpoint + jose. Run through bench/mcp_bench.sh.
//
// Environment (all optional):
//   AUTHPLANE_BIN     directory holding authserver, retrofit-before, retrofit-after (default <repo>/build/bin)
//   BENCH_DURATION    seconds of load per server          (default 10)
//   BENCH_WARMUP      seconds of warm-up per server       (default 3, same connections)
//   BENCH_CONNECTIONS keep-alive connections              (default 64)
//   BENCH_THREADS     wrk threads                         (default 2)
//   BENCH_TOOL        wrk | autocannon                    (default wrk when installed)
//   BENCH_ONLY        comma list of: protected,unprotected,sdk,express (default all four)
//   BENCH_JSON        path: also write the results as JSON
//   BENCH_NODE_ARGS   extra node flags for the Node servers, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
//   BENCH_PROFILE     shell command started with the measured load, "{pid}" and "{key}" replaced by the
//                     server's pid and row key, e.g. 'perf record -g -p {pid} -o /tmp/{key}.data -- sleep 8'
//                     (waited for after the load; its CPU is the profiler's, not the server's)
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const requireFromTests = createRequire(path.join(ROOT, 'tests', 'package.json'));
const BIN = path.resolve(process.env.AUTHPLANE_BIN ?? path.join(ROOT, 'build', 'bin'));
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const HAVE_WRK = spawnSync('wrk', ['--version']).error === undefined;
const TOOL = process.env.BENCH_TOOL ?? (HAVE_WRK ? 'wrk' : 'autocannon');
const ONLY = new Set((process.env.BENCH_ONLY ?? 'protected,unprotected,sdk,express').split(',').map((s) => s.trim()));
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const PROFILE = process.env.BENCH_PROFILE ?? '';
const SCOPE = 'mcp:tools';
const TEXT = 'hello bench';
const PROTOCOL = '2025-11-25';
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
const PROTECTED_VS_NODE_TARGET = 10;
const OVERHEAD_TARGET = 0.10;

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

// Any HTTP answer at `url` (GET) counts as up.
async function waitUp(url, proc, name, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${name} exited early (code ${proc.exitCode})`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      return;
    } catch { /* retry */ }
    if (Date.now() > deadline) throw new Error(`${name} not answering at ${url}`);
    await sleep(100);
  }
}

function procStat(pid) {
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(rest[11]) + Number(rest[12]), threads: Number(rest[17]) };
}

function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s) ?? [])[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

function spawnServer(name, cmd, args, env) {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(proc);
  let err = '';
  proc.stderr.on('data', (d) => { err += d; if (err.length > 100_000) err = err.slice(-50_000); });
  proc.on('exit', (code, sig) => { if (code && code !== 0) log(`${name} exited with ${code ?? sig}: ${err.slice(-2000)}`); });
  return proc;
}

async function startAuthserver() {
  const exe = path.join(BIN, 'authserver');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-mcp-as-'));
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
    AUTHPLANE_LOG_LEVEL: 'warn',
  };
  const proc = spawn(exe, ['serve'], { env, cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(proc);
  await waitUp(`${issuer}/livez`, proc, 'authserver');
  const admin = async (p, body) => {
    const r = await fetch(`http://127.0.0.1:${adm}${p}`, {
      method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`admin ${p}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
  return { proc, issuer, admin };
}

// One resource (the protected C++ server's URL) and one client; every server under test is
// configured with that audience, so all four receive the very same token.
async function setupToken(as, resource) {
  await as.admin('/admin/resources', { slug: 'bench-mcp', uri: resource, display_name: 'Bench MCP', scopes: [{ name: SCOPE, description: 'tools' }] });
  const c = await as.admin('/admin/clients', {
    client_name: 'bench-agent', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: SCOPE,
  });
  const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`).toString('base64');
  const r = await fetch(`${as.issuer}/oauth/token`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, resource }),
  });
  const j = await r.json();
  if (r.status !== 200 || !j.access_token) throw new Error(`token request: ${r.status} ${JSON.stringify(j)}`);
  const [h, p] = j.access_token.split('.').slice(0, 2).map((x) => JSON.parse(Buffer.from(x, 'base64url')));
  log(`token: ${h.alg} ${h.typ}, aud ${JSON.stringify(p.aud)}, scope "${p.scope}", ${j.access_token.length} bytes, expires in ${j.expires_in} s`);
  return j.access_token;
}

const baseHeaders = (token) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  authorization: `Bearer ${token}`,
});
const callBody = (id) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'shout', arguments: { text: TEXT } } });

// initialize + notifications/initialized; returns the session headers for the load.
async function openSession(url, token) {
  const r = await fetch(url, {
    method: 'POST', headers: baseHeaders(token),
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: PROTOCOL, capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`initialize at ${url}: ${r.status} ${text}`);
  const sid = r.headers.get('mcp-session-id');
  const json = r.headers.get('content-type')?.startsWith('text/event-stream')
    ? JSON.parse(text.split('\n').find((l) => l.startsWith('data:')).slice(5)) : JSON.parse(text);
  const version = json.result?.protocolVersion;
  if (!sid || !version) throw new Error(`initialize at ${url}: no session (${text})`);
  const n = await fetch(url, {
    method: 'POST', headers: { ...baseHeaders(token), 'mcp-session-id': sid, 'mcp-protocol-version': version },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  await n.arrayBuffer();
  if (n.status !== 202) throw new Error(`notifications/initialized at ${url}: ${n.status}`);
  return { 'mcp-session-id': sid, 'mcp-protocol-version': version };
}

// One tools/call outside the load: the answer must be shout's.
async function checkCall(name, url, headers) {
  // Retry once: fetch may reuse a keep-alive socket the server closed while idle during the load.
  const post = () => fetch(url, { method: 'POST', headers, body: callBody(7) });
  const r = await post().catch(() => post());
  const text = await r.text();
  const ct = r.headers.get('content-type') ?? '';
  if (r.status !== 200) throw new Error(`${name}: tools/call ${r.status} ${text}`);
  const json = ct.startsWith('text/event-stream') ? JSON.parse(text.split('\n').find((l) => l.startsWith('data:')).slice(5)) : JSON.parse(text);
  if (json.result?.content?.[0]?.text !== TEXT.toUpperCase() || json.id !== 7) throw new Error(`${name}: unexpected answer ${text}`);
  return { contentType: ct.split(';')[0], bytes: text.length };
}

function runWrk(url, headers, duration, connections) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-wrk-'));
  tmpDirs.push(dir);
  const script = path.join(dir, 'call.lua');
  // Each request gets its own JSON-RPC id (thread number × 10^8 + counter): the SDK's stateful
  // transport maps responses by request id, so concurrent duplicates would be misrouted.
  const lines = ['wrk.method = "POST"'];
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`);
  lines.push(
    'local threads = 0',
    'function setup(thread) threads = threads + 1; thread:set("tid", threads) end',
    'tid = 0',
    'local n = 0',
    'function request()',
    '  n = n + 1',
    `  return wrk.format(nil, nil, nil, string.format(${JSON.stringify(callBody(999999).replace('999999', '%d'))}, tid * 100000000 + n))`,
    'end',
    'done = function(summary, latency, requests)',
    '  io.write(string.format("JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"non2xx\\":%d,\\"connect_err\\":%d,\\"read_err\\":%d,\\"write_err\\":%d,\\"timeout_err\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d}\\n",',
    '    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))',
    'end',
  );
  fs.writeFileSync(script, lines.join('\n'));
  const r = spawnSync('wrk', ['-t', String(Math.min(THREADS, connections)), '-c', String(connections), '-d', `${duration}s`, '--timeout', '10s', '-s', script, url],
    { encoding: 'utf8', maxBuffer: 16 << 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`wrk failed: ${r.stdout}\n${r.stderr}`);
  const j = JSON.parse(line.slice(5));
  return {
    ok: j.requests - j.non2xx, non2xx: j.non2xx,
    errors: j.connect_err + j.read_err + j.write_err + j.timeout_err,
    seconds: j.duration_us / 1e6, p50ms: j.p50_us / 1000, p99ms: j.p99_us / 1000,
  };
}

async function runAutocannon(url, headers, duration, connections) {
  const autocannon = requireFromTests('autocannon');
  let n = 0;
  const res = await autocannon({
    url, method: 'POST', connections, duration, pipelining: 1, headers,
    requests: [{ setupRequest: (req) => ({ ...req, body: callBody(++n) }) }],
  });
  return {
    ok: res['2xx'], non2xx: res.non2xx, errors: res.errors + res.timeouts, seconds: res.duration,
    p50ms: res.latency.p50, p99ms: res.latency.p99,
  };
}

async function measure(name, pid, url, headers, key = 'server') {
  const run = (d, c) => (TOOL === 'wrk' ? runWrk(url, headers, d, c) : runAutocannon(url, headers, d, c));
  const idle = procStatus(pid);
  if (WARMUP > 0) await run(WARMUP, CONNECTIONS);
  await sleep(300);
  const s0 = procStat(pid);
  const t0 = process.hrtime.bigint();
  log(`${name}: ${TOOL}, ${CONNECTIONS} connections, ${DURATION} s …`);
  const profiler = PROFILE ? spawn('sh', ['-c', PROFILE.replaceAll('{pid}', String(pid)).replaceAll('{key}', key)], { stdio: ['ignore', 'ignore', 'inherit'] }) : null;
  const load = await run(DURATION, CONNECTIONS);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const s1 = procStat(pid);
  if (profiler && profiler.exitCode === null) await new Promise((resolve) => profiler.on('exit', resolve));
  const after = procStatus(pid);
  const cpuS = (s1.ticks - s0.ticks) / CLK_TCK;
  return {
    name, callsPerS: load.ok / load.seconds, ok: load.ok, non2xx: load.non2xx, errors: load.errors,
    p50ms: load.p50ms, p99ms: load.p99ms,
    cpuUsPerCall: load.ok ? (cpuS * 1e6) / load.ok : NaN, cpuCores: cpuS / wallS,
    idleRssMb: idle.rssKb / 1024, peakRssMb: after.hwmKb / 1024, threads: s1.threads,
  };
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function main() {
  const needed = ['authserver', ...(ONLY.has('protected') ? ['retrofit-after'] : []), ...(ONLY.has('unprotected') ? ['retrofit-before'] : [])];
  for (const b of needed) {
    if (!fs.existsSync(path.join(BIN, b))) throw new Error(`${path.join(BIN, b)} not found — build first (scripts/setup.sh)`);
  }
  log(`host: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}, tool ${TOOL}`);
  const as = await startAuthserver();
  const ports = { protected: await freePort(), unprotected: await freePort(), sdk: await freePort(), express: await freePort() };
  const resource = `http://127.0.0.1:${ports.protected}/mcp`;
  const token = await setupToken(as, resource);

  const servers = [
    { key: 'protected', name: 'ours protected (retrofit-after, C++)', start: (p) => spawnServer('retrofit-after', path.join(BIN, 'retrofit-after'), [],
      { AUTHPLANE_ISSUER: as.issuer, AUTHPLANE_BASE_URL: `http://127.0.0.1:${p}`, PORT: String(p), HOST: '127.0.0.1' }), session: true },
    { key: 'unprotected', name: 'ours unprotected (retrofit-before, C++)', start: (p) => spawnServer('retrofit-before', path.join(BIN, 'retrofit-before'), [],
      { PORT: String(p), HOST: '127.0.0.1' }), session: true },
    { key: 'sdk', name: 'MCP TS SDK 1.32.2 + requireBearerAuth + jose', start: (p) => spawnServer('mcp-sdk', process.execPath, [...NODE_ARGS, path.join(ROOT, 'bench', 'mcp-node-server.mjs')],
      { MODE: 'sdk', PORT: String(p), ISSUER: as.issuer, RESOURCE: resource, SCOPE, NODE_ENV: 'production' }), session: true },
    { key: 'express', name: 'express POST + jose (no MCP)', start: (p) => spawnServer('express', process.execPath, [...NODE_ARGS, path.join(ROOT, 'bench', 'mcp-node-server.mjs')],
      { MODE: 'express', PORT: String(p), ISSUER: as.issuer, RESOURCE: resource, SCOPE, NODE_ENV: 'production' }), session: false },
  ];

  const results = [];
  let sessionShape = null;
  for (const s of servers) {
    if (!ONLY.has(s.key)) continue;
    const port = ports[s.key];
    const url = `http://127.0.0.1:${port}/mcp`;
    const proc = s.start(port);
    await waitUp(url, proc, s.name);
    // The same request everywhere: token, JSON-RPC tools/call and the MCP session headers (the
    // express endpoint has no sessions; it gets headers of the same shape, which it ignores).
    const sessionHeaders = s.session ? await openSession(url, token)
      : (sessionShape ?? { 'mcp-session-id': crypto.randomUUID(), 'mcp-protocol-version': PROTOCOL });
    if (s.session) sessionShape = sessionHeaders;
    const headers = { ...baseHeaders(token), ...sessionHeaders };
    const shape = await checkCall(s.name, url, headers);
    log(`${s.name}: tools/call shout → ${shape.contentType}, ${shape.bytes} bytes`);
    const r = await measure(s.name, proc.pid, url, headers, s.key);
    r.key = s.key;
    r.contentType = shape.contentType;
    await checkCall(s.name, url, headers);  // still correct after the load
    results.push(r);
    proc.kill('SIGTERM');
    await sleep(300);
  }

  const rows = [['server', 'calls/s', 'p50 ms', 'p99 ms', 'CPU µs/call', 'CPU cores used', 'peak RSS MB', 'ok', 'non-2xx', 'sock err']];
  for (const r of results) {
    rows.push([r.name, fmt(r.callsPerS), fmt(r.p50ms, 2), fmt(r.p99ms, 2), fmt(r.cpuUsPerCall, 1), fmt(r.cpuCores, 2),
      fmt(r.peakRssMb, 1), String(r.ok), String(r.non2xx), String(r.errors)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(rows[0]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows.slice(1)) console.log(line(r));
  console.log('');

  const by = Object.fromEntries(results.map((r) => [r.key, r]));
  const node = [by.sdk, by.express].filter(Boolean).sort((a, b) => b.callsPerS - a.callsPerS)[0];
  const mark = (ok) => (ok ? 'met' : 'NOT met');
  if (by.protected && node) {
    const x = by.protected.callsPerS / node.callsPerS;
    const leanest = [by.sdk, by.express].filter(Boolean).sort((a, b) => a.cpuUsPerCall - b.cpuUsPerCall)[0];
    console.log(`ours protected vs the faster Node baseline (${node.name}): ${fmt(x, 2)}× calls/s (target ≥ ${PROTECTED_VS_NODE_TARGET}×: ${mark(x >= PROTECTED_VS_NODE_TARGET)}); ` +
      `CPU per call ${fmt(leanest.cpuUsPerCall / by.protected.cpuUsPerCall, 2)}× less than the leaner Node baseline (${leanest.name})`);
  }
  if (by.protected && by.unprotected) {
    const overhead = 1 - by.protected.callsPerS / by.unprotected.callsPerS;
    const cpuOverhead = by.protected.cpuUsPerCall / by.unprotected.cpuUsPerCall - 1;
    console.log(`auth overhead = 1 − protected/unprotected calls/s: ${fmt(overhead * 100, 1)} % (target ≤ ${OVERHEAD_TARGET * 100} %: ${mark(overhead <= OVERHEAD_TARGET)}); ` +
      `CPU per call +${fmt(cpuOverhead * 100, 1)} % (${fmt(by.protected.cpuUsPerCall - by.unprotected.cpuUsPerCall, 1)} µs)`);
  }
  console.log(`\n${CONNECTIONS} keep-alive connections, ${WARMUP} s warm-up + ${DURATION} s per server, ${TOOL}${TOOL === 'wrk' ? ` (${THREADS} threads)` : ''}; ` +
    `${os.cpus().length} CPUs shared by the load generator and the server; CLK_TCK ${CLK_TCK}.`);
  if (process.env.BENCH_JSON) {
    fs.mkdirSync(path.dirname(path.resolve(process.env.BENCH_JSON)), { recursive: true });
    fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ date: new Date().toISOString(), tool: TOOL, connections: CONNECTIONS, duration: DURATION, cpus: os.cpus().length, results }, null, 2));
  }
  for (const r of results) {
    if (r.non2xx > 0 || r.errors > 0) log(`WARNING: ${r.name} had ${r.non2xx} non-2xx responses and ${r.errors} socket errors`);
  }
  as.proc.kill('SIGTERM');
}

main().then(() => { cleanup(); process.exit(0); }, (e) => { console.error(e); cleanup(); process.exit(1); });
