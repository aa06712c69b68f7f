// Shared helpers of the benchmarks (token_bench, refresh_bench, login_bench): child processes
// cleaned up on exit, free ports, readiness polling, /proc CPU and memory sampling, percentiles,
// starting authserver with a fresh directory, wrk runs driven by a Lua script, and the result
// table with ratios.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
// The benchmarks reuse the pinned test devDependencies (oidc-provider, autocannon, jose).
export const requireFromTests = createRequire(path.join(ROOT, 'tests', 'package.json'));
export const BIN = path.resolve(process.env.AUTHPLANE_BIN ?? path.join(ROOT, 'build', 'bin'));
export const AUTHSERVER = path.join(BIN, 'authserver');
export const HAVE_WRK = spawnSync('wrk', ['--version']).error === undefined;
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

const children = [];
const tmpDirs = [];
export function cleanup() {
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

/** Registers a child process to be killed on exit. */
export function track(proc) { children.push(proc); return proc; }
/** A temporary directory removed on exit. */
export function tmpDir(prefix) {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const log = (...a) => console.error('[bench]', ...a);

export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export async function waitHttp(url, okStatus, timeoutMs, proc, name) {
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

/** utime+stime (clock ticks) and thread count of a process, from /proc/<pid>/stat. */
export function procStat(pid) {
  // Fields after the parenthesised comm: state is field 3; utime 14, stime 15 (1-based).
  const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return { ticks: Number(rest[11]) + Number(rest[12]), threads: Number(rest[17]) };
}

/** VmRSS and VmHWM (kB) from /proc/<pid>/status. */
export function procStatus(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s) ?? [])[1] ?? NaN);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** CPU seconds a process spends while `fn` runs, with the wall time: {result, cpuS, wallS}. */
export async function withCpu(pid, fn) {
  const s0 = procStat(pid);
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const s1 = procStat(pid);
  return { result, cpuS: (s1.ticks - s0.ticks) / CLK_TCK, wallS, threads: s1.threads };
}

/** Nearest-rank percentile (p in 0..100) of an array of numbers; NaN when empty. */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

export function decodeJwt(t) {
  const [h, p] = t.split('.');
  return { header: JSON.parse(Buffer.from(h, 'base64url')), claims: JSON.parse(Buffer.from(p, 'base64url')) };
}

export function basicAuth(id, secret) {
  return 'Basic ' + Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
}

/**
 * Starts `authserver serve` on free loopback ports with a fresh directory, rate limiting off.
 * Returns {proc, issuer, adminUrl, admin(path, body) → JSON (throws unless 201), dbPath}.
 */
export async function startAuthserver(extraEnv = {}) {
  if (!fs.existsSync(AUTHSERVER)) throw new Error(`${AUTHSERVER} not found — build first (scripts/setup.sh)`);
  const dir = tmpDir('bench-authserver-');
  const pub = await freePort();
  let adm = await freePort();
  while (adm === pub) adm = await freePort();
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
    ...extraEnv,
  };
  const proc = track(spawn(AUTHSERVER, ['serve'], { env, cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] }));
  await waitHttp(`${issuer}/livez`, 200, 15_000, proc, 'authserver');
  const adminUrl = `http://127.0.0.1:${adm}`;
  const admin = async (p, body) => {
    const r = await fetch(`${adminUrl}${p}`, {
      method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status !== 201) throw new Error(`admin ${p}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
  return { proc, issuer, adminUrl, admin, dbPath: env.AUTHPLANE_STORAGE_SQLITE_PATH };
}

/** Spawns a Node script of bench/ (NODE_ENV=production) and waits for `readyUrl`. */
export async function startNodeServer(script, env, readyPath, name) {
  const port = await freePort();
  const proc = track(spawn(process.execPath, [path.join(ROOT, 'bench', script)], {
    env: { ...process.env, NODE_ENV: 'production', OP_PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  }));
  proc.stderr.on('data', (d) => { const s = String(d); if (!s.includes('WARNING')) process.stderr.write(`[${name}] ${s}`); });
  const issuer = `http://127.0.0.1:${port}`;
  await waitHttp(`${issuer}${readyPath}`, 200, 15_000, proc, name);
  return { proc, issuer, port };
}

/** Stops a child with SIGTERM and waits (≤ 5 s, then SIGKILL). */
export async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => { try { proc.kill('SIGKILL'); } catch { /* gone */ } }, 5000);
  await exited;
  clearTimeout(t);
}

/**
 * Runs wrk (asynchronously, so two loads can overlap) with a Lua script body (`lua`, without a
 * done() function: one is appended that prints the summary as JSON; a global `extra_summary()`
 * returning a JSON string is included as `extra`). Resolves to {requests, ok, non2xx, errors, seconds, p50ms, p90ms, p99ms,
 * maxms, extra (what the script's `extra()` function returned as a JSON string, if any)}.
 */
export async function runWrk(url, lua, { duration, connections, threads }) {
  const dir = tmpDir('bench-wrk-');
  const script = path.join(dir, 'script.lua');
  fs.writeFileSync(script, [
    lua,
    'done = function(summary, latency, requests)',
    '  local x = "null"',
    '  if extra_summary then x = extra_summary() end',
    '  io.write(string.format("JSON {\\"requests\\":%d,\\"duration_us\\":%d,\\"non2xx\\":%d,\\"connect_err\\":%d,\\"read_err\\":%d,\\"write_err\\":%d,\\"timeout_err\\":%d,\\"p50_us\\":%d,\\"p90_us\\":%d,\\"p99_us\\":%d,\\"max_us\\":%d,\\"extra\\":%s}\\n",',
    '    summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, x))',
    'end',
  ].join('\n'));
  const proc = track(spawn('wrk', ['-t', String(Math.min(threads, connections)), '-c', String(connections), '-d', `${duration}s`,
    '--timeout', '10s', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const r = { stdout: '', stderr: '' };
  proc.stdout.on('data', (d) => { r.stdout += d; });
  proc.stderr.on('data', (d) => { r.stderr += d; });
  await new Promise((resolve, reject) => { proc.on('exit', resolve); proc.on('error', reject); });
  const line = r.stdout.split('\n').find((l) => l.startsWith('JSON '));
  if (!line) throw new Error(`wrk failed: ${r.stdout}\n${r.stderr}`);
  const j = JSON.parse(line.slice(5));
  return {
    requests: j.requests,
    ok: j.requests - j.non2xx,
    non2xx: j.non2xx,
    errors: j.connect_err + j.read_err + j.write_err + j.timeout_err,
    seconds: j.duration_us / 1e6,
    p50ms: j.p50_us / 1000,
    p90ms: j.p90_us / 1000,
    p99ms: j.p99_us / 1000,
    maxms: j.max_us / 1000,
    extra: j.extra,
    raw: r.stdout,
  };
}

/**
 * Lua for per-thread counters in a wrk script: `setup` gives each thread a 1-based global `tid`,
 * and `extra_summary` returns the named thread globals summed over all threads as a JSON object
 * (runWrk's `extra`). The script itself initialises and updates the counters.
 */
export function wrkThreadCounters(names) {
  return `
local all_threads = {}
setup = function(thread)
  table.insert(all_threads, thread)
  thread:set("tid", #all_threads)
end
extra_summary = function()
  local names = {${names.map((n) => JSON.stringify(n)).join(', ')}}
  local parts = {}
  for i, name in ipairs(names) do
    local sum = 0
    for _, t in ipairs(all_threads) do sum = sum + (t:get(name) or 0) end
    parts[i] = string.format('"%s":%d', name, sum)
  end
  return "{" .. table.concat(parts, ",") .. "}"
end
`;
}

/** A wrk script that POSTs one fixed form body (optionally with an Authorization header). */
export function wrkPostLua(body, authorization) {
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
  ];
  if (authorization) lines.push(`wrk.headers["Authorization"] = ${JSON.stringify(authorization)}`);
  return lines.join('\n');
}

export function fmt(n, d = 0) {
  return Number.isFinite(n) ? n.toFixed(d) : 'n/a';
}

/** Prints a Markdown table (first row = header) on stdout. */
export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  const line = (r) => '| ' + r.map((c, i) => String(c ?? '').padEnd(widths[i])).join(' | ') + ' |';
  console.log(line(rows[0]));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const r of rows.slice(1)) console.log(line(r));
}

/** "a / b" as "N.NN×" (higher is better for a), or "n/a". */
export const ratio = (a, b, d = 2) => (Number.isFinite(a / b) ? `${(a / b).toFixed(d)}×` : 'n/a');

export function hostLine() {
  return `${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`;
}
