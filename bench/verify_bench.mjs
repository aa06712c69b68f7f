// Access-token verification on one core: AuthPlane resource_guard (uncached / cached), raw
// OpenSSL in the same process, `openssl speed ecdsap256`, and jose's jwtVerify in Node — all on
// the same ES256 tokens. Run through bench/verify_bench.sh.
//
// Environment (all optional):
//   AUTHPLANE_BIN   directory holding verify_bench   (default <repo>/build/bin)
//   BENCH_SECONDS   seconds per measurement          (default 3)
//   BENCH_TOKENS    distinct tokens minted           (default 10000)
//   BENCH_JSON      path: also write the results as JSON
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
const requireFromTests = createRequire(path.join(ROOT, 'tests', 'package.json'));
const BIN = path.resolve(process.env.AUTHPLANE_BIN ?? path.join(ROOT, 'build', 'bin'));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 10000);
const UNCACHED_TARGET = 0.85;
const CACHED_TARGET = 2_000_000;

const log = (...a) => console.error('[bench]', ...a);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-verify-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

// 1. Ours (C++), which also writes the tokens, the JWKS and the expected claims.
function runOurs() {
  log(`verify_bench: ${TOKENS} tokens, ${SECONDS} s per measurement …`);
  const r = spawnSync(path.join(BIN, 'verify_bench'), ['--tokens', String(TOKENS), '--seconds', String(SECONDS), '--out', tmp],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  if (r.status !== 0) throw new Error(`verify_bench failed (status ${r.status})`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

// 2. `openssl speed`: it divides by the process's user CPU time (unless -elapsed), i.e. it
// reports verifications per CPU-second of one core.
function runOpensslSpeed() {
  log(`openssl speed -seconds ${SECONDS} ecdsap256 …`);
  const out = execFileSync('openssl', ['speed', '-seconds', String(SECONDS), 'ecdsap256'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // " 256 bits ecdsa (nistp256)   0.0000s   0.0001s  37815.4  14663.4"
  const line = out.split('\n').find((l) => /^\s*256 bits ecdsa \(nistp256\)/.test(l));
  if (!line) throw new Error(`cannot parse openssl speed output:\n${out}`);
  const nums = line.trim().split(/\s+/);
  const version = execFileSync('openssl', ['version'], { encoding: 'utf8' }).trim();
  return { signPerS: Number(nums[nums.length - 2]), verifyPerS: Number(nums[nums.length - 1]), version };
}

// 3. jose (Node): jwtVerify with a local JWKS and the same issuer/audience/typ/alg checks as ours,
// one verification at a time (await each), the tokens round-robin.
async function runJose() {
  const jose = await import(pathToFileURL(requireFromTests.resolve('jose')).href);
  const joseVersion = JSON.parse(fs.readFileSync(path.join(path.dirname(requireFromTests.resolve('jose/package.json')), 'package.json'), 'utf8')).version;
  const tokens = fs.readFileSync(path.join(tmp, 'tokens.txt'), 'utf8').split('\n').filter(Boolean);
  const jwks = JSON.parse(fs.readFileSync(path.join(tmp, 'jwks.json'), 'utf8'));
  const meta = JSON.parse(fs.readFileSync(path.join(tmp, 'meta.json'), 'utf8'));
  const JWKS = jose.createLocalJWKSet(jwks);
  const opts = { issuer: meta.issuer, audience: meta.audience, typ: meta.typ, algorithms: [meta.alg] };
  const loop = async (seconds) => {
    const end = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
    let i = 0;
    for (;;) {
      for (let k = 0; k < 32; ++k, ++i) {
        const { payload } = await jose.jwtVerify(tokens[i % tokens.length], JWKS, opts);
        if (payload.scope !== meta.scope) throw new Error('jose: unexpected payload');
      }
      if (process.hrtime.bigint() >= end) return i;
    }
  };
  log(`jose ${joseVersion} jwtVerify: warm-up 1 s, then ${SECONDS} s …`);
  await loop(1);
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const ops = await loop(SECONDS);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  const cpuS = (cu.user + cu.system) / 1e6;
  return { version: joseVersion, ops, perS: ops / wallS, perCpuS: ops / cpuS, cpuCores: cpuS / wallS };
}

const fmt = (n, d = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a');

async function main() {
  log(`host: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}, node ${process.version}`);
  const ours = runOurs();
  const speed = runOpensslSpeed();
  const jose = await runJose();

  const rows = [['measure', 'ops/s (wall)', 'ops per CPU-second', 'vs openssl speed']];
  const vsSpeed = (x) => `${fmt(x / speed.verifyPerS, 2)}`;
  rows.push(['ours uncached: verify_token, cache off', fmt(ours.uncached.per_s), fmt(ours.uncached.per_cpu_s), vsSpeed(ours.uncached.per_cpu_s)]);
  rows.push(['ours cached: check() of a repeated token', fmt(ours.cached_check.per_s), fmt(ours.cached_check.per_cpu_s), '']);
  rows.push(['ours cached: verify_token of a repeated token', fmt(ours.cached_verify.per_s), fmt(ours.cached_verify.per_cpu_s), '']);
  rows.push(['raw OpenSSL in-process (SHA-256 + EVP_PKEY_verify)', fmt(ours.openssl_raw.per_s), fmt(ours.openssl_raw.per_cpu_s), vsSpeed(ours.openssl_raw.per_cpu_s)]);
  rows.push([`openssl speed ecdsap256 verify (${speed.version.split(' ').slice(0, 2).join(' ')})`, '', fmt(speed.verifyPerS), '1.00']);
  rows.push([`jose ${jose.version} jwtVerify (Node ${process.version}, local JWKS)`, fmt(jose.perS), fmt(jose.perCpuS), vsSpeed(jose.perCpuS)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => '| ' + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ') + ' |';
  console.log(line(rows[0]));
  console.log('|' + widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const r of rows.slice(1)) console.log(line(r));

  const uncachedRatio = ours.uncached.per_cpu_s / speed.verifyPerS;
  const cached = ours.cached_check.per_cpu_s;
  const vsJose = ours.uncached.per_cpu_s / jose.perCpuS;
  const vsJoseWall = ours.uncached.per_s / jose.perS;
  const mark = (ok) => (ok ? 'met' : 'NOT met');
  console.log('');
  console.log(`ours uncached / openssl speed verify: ${fmt(uncachedRatio, 2)} (target ≥ ${UNCACHED_TARGET}: ${mark(uncachedRatio >= UNCACHED_TARGET)})`);
  console.log(`ours cached check(): ${fmt(cached)} per CPU-second (target ≥ ${fmt(CACHED_TARGET)}: ${mark(cached >= CACHED_TARGET)}); ` +
    `cached verify_token: ${fmt(ours.cached_verify.per_cpu_s)} (${mark(ours.cached_verify.per_cpu_s >= CACHED_TARGET)})`);
  console.log(`ours uncached / jose: ${fmt(vsJose, 2)}× per CPU-second, ${fmt(vsJoseWall, 2)}× wall (jose used ${fmt(jose.cpuCores, 2)} cores: WebCrypto runs on libuv's thread pool)`);
  console.log(`\n${ours.tokens} distinct ES256 tokens of ${ours.token_bytes} bytes, ${SECONDS} s per measurement; ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}. ` +
    'Per-CPU-second figures divide by the measuring thread\'s (ours) or process\'s (jose) CPU time, as openssl speed does; wall figures depend on what else the host runs.');
  if (process.env.BENCH_JSON) {
    fs.mkdirSync(path.dirname(path.resolve(process.env.BENCH_JSON)), { recursive: true });
    fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ date: new Date().toISOString(), cpus: os.cpus().length, ours, openssl_speed: speed, jose }, null, 2));
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
