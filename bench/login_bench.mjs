// Sign-in cost and login floods on authserver. Run through bench/login_bench.sh.
// Method and caveats: docs/performance.md ("Login cost and login floods").
//
//   1. login latency alone: sequential POST /login (one at a time, fresh form each), successful
//      (303) and failed (unknown email → dummy-hash verification, 422): p50/p99 and CPU per login;
//   2. token endpoint alone: wrk, client_credentials, BENCH_TOKEN_CONNECTIONS connections;
//   3. the same token load while a second wrk floods POST /login with BENCH_FLOOD_CONNECTIONS
//      connections of bad logins (a distinct unknown email per request, valid CSRF token, so every
//      accepted one costs an Argon2id verification): token throughput and p99 with and without
//      the flood, and what the flood got back (422 = verified and refused, 503 = lane full,
//      Retry-After: 1; anything else is counted as "other").
//
// Environment (all optional):
//   AUTHPLANE_BIN            directory holding the authserver binary  (default <repo>/build/bin)
//   BENCH_DURATION           seconds of each token load              (default 10)
//   BENCH_LOGINS             sequential logins per kind in step 1     (default 20)
//   BENCH_TOKEN_CONNECTIONS  token-load connections                   (default 16)
//   BENCH_FLOOD_CONNECTIONS  login-flood connections                  (default 128)
//   BENCH_THREADS            wrk threads per wrk                       (default 1)
//   BENCH_JSON               path: also write the results as JSON
import fs from 'node:fs';
import { hidden } from '../tests/lib/browser.mjs';
import {
  CLK_TCK, HAVE_WRK, basicAuth, cleanup, fmt, hostLine, log, percentile, printTable, procStat, runWrk, sleep,
  startAuthserver, stop, withCpu, wrkPostLua, wrkThreadCounters, BIN,
} from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const LOGINS = Number(process.env.BENCH_LOGINS ?? 20);
const TOKEN_CONNECTIONS = Number(process.env.BENCH_TOKEN_CONNECTIONS ?? 16);
const FLOOD_CONNECTIONS = Number(process.env.BENCH_FLOOD_CONNECTIONS ?? 128);
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const RESOURCE = 'http://127.0.0.1:8080/mcp';
const SCOPE = 'mcp:echo';
const PASSWORD = 'bench-Passw0rd-123';
const EMAIL = 'bench@example.com';

/** GET /login: the nonce cookie ("name=value") and the CSRF token bound to it. */
async function loginForm(issuer) {
  const r = await fetch(`${issuer}/login`);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`GET /login ${r.status}`);
  const cookie = r.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => !c.endsWith('='));
  return { cookie, csrf: hidden(text, 'csrf_token') };
}

async function postLogin(issuer, { cookie, csrf }, email, password) {
  const t0 = performance.now();
  const r = await fetch(`${issuer}/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ email, password, csrf_token: csrf, redirect: '/' }).toString(),
  });
  await r.arrayBuffer();
  return { status: r.status, ms: performance.now() - t0 };
}

async function loginLatency(srv, kind) {
  const lat = [];
  const statuses = new Map();
  const { result, cpuS } = await withCpu(srv.proc.pid, async () => {
    for (let i = 0; i < LOGINS; i++) {
      const form = await loginForm(srv.issuer);
      const r = kind === 'ok'
        ? await postLogin(srv.issuer, form, EMAIL, PASSWORD)
        : await postLogin(srv.issuer, form, `nobody-${i}@example.com`, 'wrong-password');
      lat.push(r.ms);
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
    }
  });
  void result;
  const expected = kind === 'ok' ? 303 : 422;
  const bad = [...statuses].filter(([s]) => s !== expected).reduce((n, [, c]) => n + c, 0);
  return { kind, n: LOGINS, p50ms: percentile(lat, 50), p99ms: percentile(lat, 99), cpuMsPer: (cpuS * 1e3) / LOGINS,
    unexpected: bad, statuses: Object.fromEntries(statuses) };
}

function floodLua(form) {
  const prefix = `password=not-the-password&redirect=%2F&csrf_token=${encodeURIComponent(form.csrf)}&email=`;
  return `
local hdrs = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = ${JSON.stringify(form.cookie)} }
local PREFIX = ${JSON.stringify(prefix)}
${wrkThreadCounters(['s422', 's503', 's503_retry', 's429', 'other'])}
init = function(args)
  seq = 0
  s422 = 0
  s503 = 0
  s503_retry = 0
  s429 = 0
  other = 0
end
request = function()
  seq = seq + 1
  return wrk.format("POST", "/login", hdrs, PREFIX .. "flood-" .. tid .. "-" .. seq .. "%40example.com")
end
response = function(status, headers, body)
  if status == 422 then s422 = s422 + 1
  elseif status == 503 then
    s503 = s503 + 1
    if headers["Retry-After"] == "1" or headers["retry-after"] == "1" then s503_retry = s503_retry + 1 end
  elseif status == 429 then s429 = s429 + 1
  else other = other + 1 end
end
`;
}

async function tokenLoad(srv, tokenLua, label, pid) {
  log(`${label}: token load, ${TOKEN_CONNECTIONS} connections, ${DURATION} s …`);
  const { result: r, cpuS, wallS } = await withCpu(pid, () => runWrk(`${srv.issuer}/oauth/token`, tokenLua,
    { duration: DURATION, connections: TOKEN_CONNECTIONS, threads: THREADS }));
  return { label, perS: r.ok / r.seconds, p50ms: r.p50ms, p99ms: r.p99ms, maxms: r.maxms, ok: r.ok, non2xx: r.non2xx,
    errors: r.errors, cpuCores: cpuS / wallS };
}

async function main() {
  if (!HAVE_WRK) throw new Error('login_bench needs wrk');
  log(`host: ${hostLine()}; binary ${BIN}`);
  const srv = await startAuthserver();
  await srv.admin('/admin/resources', { slug: 'bench', uri: RESOURCE, display_name: 'Bench MCP', scopes: [{ name: SCOPE, description: 'echo' }] });
  const c = await srv.admin('/admin/clients', { client_name: 'bench', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: SCOPE });
  await srv.admin('/admin/users', { email: EMAIL, password: PASSWORD });
  const tokenLua = wrkPostLua(new URLSearchParams({ grant_type: 'client_credentials', scope: SCOPE, resource: RESOURCE }).toString(),
    basicAuth(c.client_id, c.client_secret));

  // 1. Login latency alone.
  log(`login latency: ${LOGINS} successful and ${LOGINS} failed sign-ins, one at a time …`);
  const logins = [await loginLatency(srv, 'ok'), await loginLatency(srv, 'fail')];

  // 2. Token endpoint alone (after a short warm-up).
  await runWrk(`${srv.issuer}/oauth/token`, tokenLua, { duration: 2, connections: 8, threads: 1 });
  await sleep(300);
  const alone = await tokenLoad(srv, tokenLua, 'token alone', srv.proc.pid);

  // 3. The same with a concurrent login flood (started first, stopped with the token load).
  const form = await loginForm(srv.issuer);
  log(`login flood: ${FLOOD_CONNECTIONS} connections of bad logins …`);
  const s0 = procStat(srv.proc.pid);
  const floodP = runWrk(`${srv.issuer}/login`, floodLua(form), { duration: DURATION + 2, connections: FLOOD_CONNECTIONS, threads: THREADS });
  await sleep(1000);
  const flooded = await tokenLoad(srv, tokenLua, 'token during login flood', srv.proc.pid);
  const flood = await floodP;
  const s1 = procStat(srv.proc.pid);
  const live = await fetch(`${srv.issuer}/livez`);
  await live.arrayBuffer();
  // A real sign-in still works right after.
  const after = await postLogin(srv.issuer, await loginForm(srv.issuer), EMAIL, PASSWORD);
  await stop(srv.proc);

  console.log(`\nauthserver ${BIN}\n`);
  printTable([
    ['sign-in, one at a time', 'n', 'p50 ms', 'p99 ms', 'server CPU ms/login', 'unexpected status'],
    ...logins.map((l) => [l.kind === 'ok' ? 'success (303)' : 'unknown email (422, dummy hash)', String(l.n), fmt(l.p50ms, 1),
      fmt(l.p99ms, 1), fmt(l.cpuMsPer, 1), String(l.unexpected)]),
  ]);
  console.log('');
  printTable([
    ['token endpoint (client_credentials)', 'tokens/s', 'p50 ms', 'p99 ms', 'max ms', 'ok', 'non-2xx', 'sock err', 'CPU cores used'],
    ...[alone, flooded].map((t) => [t.label, fmt(t.perS), fmt(t.p50ms, 2), fmt(t.p99ms, 2), fmt(t.maxms, 1), String(t.ok),
      String(t.non2xx), String(t.errors), fmt(t.cpuCores, 2)]),
    ['ratio flood / alone', `${fmt(flooded.perS / alone.perS, 2)}×`, `${fmt(flooded.p50ms / alone.p50ms, 2)}×`,
      `${fmt(flooded.p99ms / alone.p99ms, 2)}×`, '', '', '', '', ''],
  ]);
  const x = flood.extra ?? {};
  console.log('');
  printTable([
    ['login flood', 'requests', 'requests/s', '422 (verified)', '422/s', '503 (lane full)', '503 with Retry-After: 1', '429', 'other', 'sock err', 'p50 ms', 'p99 ms'],
    [`${FLOOD_CONNECTIONS} connections, ${fmt(flood.seconds, 1)} s`, String(flood.requests), fmt(flood.requests / flood.seconds),
      String(x.s422), fmt(x.s422 / flood.seconds, 1), String(x.s503), String(x.s503_retry), String(x.s429), String(x.other),
      String(flood.errors), fmt(flood.p50ms, 1), fmt(flood.p99ms, 1)],
  ]);
  console.log(`\nserver CPU during flood+token load: ${fmt((s1.ticks - s0.ticks) / CLK_TCK / (DURATION + 2), 2)} cores; `
    + `/livez after: ${live.status}; sign-in right after the flood: ${after.status} (${fmt(after.ms, 1)} ms).`);
  console.log(`${TOKEN_CONNECTIONS} token connections, ${DURATION} s per token load, wrk ${THREADS} thread(s) per load; ${hostLine()}.`);
  if (process.env.BENCH_JSON) {
    fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ date: new Date().toISOString(), bin: BIN, logins, alone, flooded,
      flood: { requests: flood.requests, seconds: flood.seconds, errors: flood.errors, p50ms: flood.p50ms, p99ms: flood.p99ms, ...x } }, null, 2));
  }
  const bad = logins.some((l) => l.unexpected) || alone.non2xx || alone.errors || flooded.non2xx || flooded.errors || x.other
    || live.status !== 200 || after.status !== 303;
  if (bad) log('ERROR: unexpected statuses or errors (see the tables)');
  return bad ? 1 : 0;
}

main().then((code) => { cleanup(); process.exit(code); }, (e) => { console.error(e); cleanup(); process.exit(1); });
