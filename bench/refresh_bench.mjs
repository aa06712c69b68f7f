// Refresh-token grant benchmark: AuthPlane C++ authserver vs oidc-provider (Node), with rotation.
// Run through bench/refresh_bench.sh. Method and caveats: docs/performance.md.
//
// Every refresh token is single-use, so the load is made of chains: each request presents the
// refresh token returned by an earlier response of the same load worker. Per server:
//   1. set-up: a public client (PKCE, auth method none) with authorization_code + refresh_token,
//      a resource and a user; codes come from the real authorization flow (authserver: GET
//      /oauth/authorize → POST /login with the CSRF token → POST /consent → code; oidc-provider:
//      /auth → its scripted interaction route → code, see bench/oidc-provider-refresh.mjs), and
//      each code is redeemed once: one refresh token = one chain;
//   2. a check on a separate chain: the refresh answers 200 with a new refresh token and an ES256
//      at+jwt for the resource, and presenting the old refresh token again is refused (rotation);
//   3. warm-up (own chains), then the measured load on fresh chains (one per connection), with the
//      server's CPU time sampled from /proc around it.
// Load generator: wrk with a Lua script keeping a FIFO of live refresh tokens per wrk thread
// (response() pushes the new token, request() pops one), or BENCH_TOOL=node: a closed loop of
// fetch() chains. Any non-200 is an error and breaks its chain; requests sent without a live
// token (all chains of a worker broken) are counted as "starved".
//
// Environment (all optional):
//   AUTHPLANE_BIN     directory holding the authserver binary   (default <repo>/build/bin)
//   BENCH_DURATION    seconds of load per server                (default 10)
//   BENCH_WARMUP      seconds of warm-up per server             (default 2)
//   BENCH_CONNECTIONS keep-alive connections = chains           (default 64)
//   BENCH_THREADS     wrk threads                               (default 2)
//   BENCH_TOOL        wrk | node                                (default wrk when installed)
//   BENCH_ONLY        authserver | oidc-provider                (default both)
//   BENCH_ROUNDS      measured rounds per server, interleaved   (default 3)
//                     (authserver, oidc-provider, authserver, …, each round on a freshly started
//                     server, so the host's drift hits both alike; medians and the ratio of
//                     medians are reported)
//   BENCH_JSON        path: also write the results as JSON
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { browser, hidden } from '../tests/lib/browser.mjs';
import {
  CLK_TCK, HAVE_WRK, cleanup, decodeJwt, fmt, hostLine, log, percentile, printTable, procStatus, ratio, requireFromTests,
  runWrk, sleep, startAuthserver, startNodeServer, stop, withCpu, wrkThreadCounters,
} from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const WARMUP_CONNECTIONS = Math.min(8, CONNECTIONS);
const TOOL = process.env.BENCH_TOOL ?? (HAVE_WRK ? 'wrk' : 'node');
const ONLY = process.env.BENCH_ONLY;
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const RESOURCE = 'http://127.0.0.1:8080/mcp';
const SCOPE = 'mcp:echo';
const REDIRECT = 'http://127.0.0.1/callback';
const PASSWORD = 'bench-Passw0rd-123';

const pkce = () => {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
};

const form = (o) => new URLSearchParams(o).toString();
async function postForm(url, body) {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form(body) });
  return { status: r.status, text: await r.text() };
}

/** Follows redirects by hand with the cookie-keeping browser until one goes to REDIRECT. */
async function toCallback(b, url) {
  for (let i = 0; i < 10; i++) {
    const r = await b.get(url);
    if (r.status !== 302 && r.status !== 303) throw new Error(`authorize step ${url} → ${r.status}: ${r.text.slice(0, 500)}`);
    const next = new URL(r.location, url);
    if (next.href.startsWith(REDIRECT)) return next;
    url = next.href;
  }
  throw new Error('too many redirects');
}

// ---- authserver ------------------------------------------------------------------------------

async function setupAuthserver() {
  const a = await startAuthserver();
  await a.admin('/admin/resources', { slug: 'bench', uri: RESOURCE, display_name: 'Bench MCP', scopes: [{ name: SCOPE, description: 'echo' }] });
  const app = await a.admin('/admin/clients', { client_name: 'bench-app', grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none', scope: SCOPE, redirect_uris: [REDIRECT] });
  const email = 'bench@example.com';
  await a.admin('/admin/users', { email, password: PASSWORD });
  const tokenUrl = `${a.issuer}/oauth/token`;

  /** A signed-in browser (one Argon2id login). */
  async function signedIn() {
    const b = browser(a.issuer);
    const page = await b.get('/login');
    const r = await b.postForm('/login', { email, password: PASSWORD, csrf_token: hidden(page.text, 'csrf_token'), redirect: '/' });
    if (r.status !== 303) throw new Error(`authserver login: ${r.status} ${r.text.slice(0, 300)}`);
    return b;
  }
  /** n refresh tokens, each from its own code (its own family). */
  async function mint(b, n) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const { verifier, challenge } = pkce();
      const q = new URLSearchParams({ response_type: 'code', client_id: app.client_id, redirect_uri: REDIRECT, scope: SCOPE,
        state: crypto.randomBytes(8).toString('hex'), resource: RESOURCE, code_challenge: challenge, code_challenge_method: 'S256' });
      let r = await b.get(`/oauth/authorize?${q}`);
      if (r.status !== 303) throw new Error(`authserver authorize: ${r.status} ${r.text.slice(0, 300)}`);
      if (r.location.startsWith('/consent')) {
        const page = await b.get(r.location);
        r = await b.postForm('/consent', new URLSearchParams([['session_id', hidden(page.text, 'session_id')],
          ['csrf_token', hidden(page.text, 'csrf_token')], ['action', 'allow'], ['scopes', SCOPE]]));
        if (r.status !== 303) throw new Error(`authserver consent: ${r.status} ${r.text.slice(0, 300)}`);
      }
      const code = new URL(r.location).searchParams.get('code');
      const t = await postForm(tokenUrl, { grant_type: 'authorization_code', code, client_id: app.client_id, redirect_uri: REDIRECT,
        code_verifier: verifier, resource: RESOURCE });
      if (t.status !== 200) throw new Error(`authserver code redemption: ${t.status} ${t.text}`);
      out.push(JSON.parse(t.text).refresh_token);
    }
    return out;
  }
  const b = await signedIn();
  return { name: 'authserver (C++)', proc: a.proc, issuer: a.issuer, tokenUrl, clientId: app.client_id,
    mint: (n) => mint(b, n), checkChain: async () => (await mint(await signedIn(), 1))[0] };
}

// ---- oidc-provider ---------------------------------------------------------------------------

async function setupOidcProvider() {
  const clientId = 'bench-app';
  const { proc, issuer } = await startNodeServer('oidc-provider-refresh.mjs',
    { OP_CLIENT_ID: clientId, OP_REDIRECT_URI: REDIRECT, OP_RESOURCE: RESOURCE, OP_SCOPE: SCOPE },
    '/.well-known/openid-configuration', 'oidc-provider');
  const tokenUrl = `${issuer}/token`;
  // One browser = one oidc-provider session = one grant; its codes share the grant.
  async function mint(b, n) {
    const out = [];
    for (let i = 0; i < n; i++) {
      const { verifier, challenge } = pkce();
      const q = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: SCOPE,
        state: crypto.randomBytes(8).toString('hex'), resource: RESOURCE, code_challenge: challenge, code_challenge_method: 'S256' });
      const cb = await toCallback(b, `${issuer}/auth?${q}`);
      const code = cb.searchParams.get('code');
      if (!code) throw new Error(`oidc-provider authorize: ${cb.href}`);
      const t = await postForm(tokenUrl, { grant_type: 'authorization_code', code, client_id: clientId, redirect_uri: REDIRECT,
        code_verifier: verifier, resource: RESOURCE });
      if (t.status !== 200) throw new Error(`oidc-provider code redemption: ${t.status} ${t.text}`);
      const rt = JSON.parse(t.text).refresh_token;
      if (!rt) throw new Error(`oidc-provider issued no refresh token: ${t.text}`);
      out.push(rt);
    }
    return out;
  }
  const b = browser(issuer);
  // A separate browser (session, grant) for the rotation check: replaying a refresh token makes
  // oidc-provider revoke the whole grant, which must not hit the chains under load.
  return { name: 'oidc-provider (Node)', proc, issuer, tokenUrl, clientId, mint: (n) => mint(b, n),
    checkChain: async () => (await mint(browser(issuer), 1))[0] };
}

// ---- the check and the load ------------------------------------------------------------------

const refreshBody = (s, rt) => form({ grant_type: 'refresh_token', refresh_token: rt, client_id: s.clientId });

async function checkRotation(s) {
  const rt0 = await s.checkChain();
  const r1 = await postForm(s.tokenUrl, { grant_type: 'refresh_token', refresh_token: rt0, client_id: s.clientId });
  if (r1.status !== 200) throw new Error(`${s.name}: refresh ${r1.status} ${r1.text}`);
  const j = JSON.parse(r1.text);
  if (!j.refresh_token || j.refresh_token === rt0) throw new Error(`${s.name}: refresh did not rotate: ${r1.text}`);
  const { header, claims } = decodeJwt(j.access_token);
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (header.alg !== 'ES256' || header.typ !== 'at+jwt' || aud.length !== 1 || aud[0] !== RESOURCE || claims.iss !== s.issuer
    || claims.scope !== SCOPE || !claims.sub) throw new Error(`${s.name}: unexpected access token ${JSON.stringify({ header, claims })}`);
  const jose = await import(pathToFileURL(requireFromTests.resolve('jose')).href);
  const meta = await (await fetch(`${s.issuer}/.well-known/openid-configuration`)).json();
  await jose.jwtVerify(j.access_token, jose.createRemoteJWKSet(new URL(meta.jwks_uri)), { issuer: s.issuer, audience: RESOURCE, typ: 'at+jwt', algorithms: ['ES256'] });
  const replay = await postForm(s.tokenUrl, { grant_type: 'refresh_token', refresh_token: rt0, client_id: s.clientId });
  const err = (() => { try { return JSON.parse(replay.text).error; } catch { return undefined; } })();
  if (replay.status !== 400 || err !== 'invalid_grant') throw new Error(`${s.name}: replayed refresh token answered ${replay.status} ${replay.text}`);
  log(`${s.name}: refresh rotates (new refresh token, ES256 at+jwt aud ${RESOURCE}, signature verified); replay → 400 invalid_grant`);
}

function wrkRefreshLua(s, tokens, threads) {
  // ALL holds every chain's first refresh token; thread i (1-based) takes ALL[i], ALL[i+threads], …
  // SPARE goes to thread 1: wrk calls request() once in thread 1's state before the load (to
  // check the script), which pops a token that is never sent.
  return `
local ALL = {${tokens.slice(1).map((t) => JSON.stringify(t)).join(',')}}
local SPARE = ${JSON.stringify(tokens[0])}
local NTHREADS = ${threads}
local PREFIX = ${JSON.stringify(`grant_type=refresh_token&client_id=${encodeURIComponent(s.clientId)}&refresh_token=`)}
local path = ${JSON.stringify(new URL(s.tokenUrl).pathname)}
local hdrs = { ["Content-Type"] = "application/x-www-form-urlencoded" }
${wrkThreadCounters(['starved', 'missing', 'other_status', 'pooled'])}
local pool, head, tail
init = function(args)
  pool = {}
  head = 1
  tail = 0
  if tid == 1 then tail = 1; pool[1] = SPARE end
  for i = tid, #ALL, NTHREADS do tail = tail + 1; pool[tail] = ALL[i] end
  starved = 0
  missing = 0
  other_status = 0
  pooled = 0
end
request = function()
  local t = "none"
  if head <= tail then
    t = pool[head]
    pool[head] = nil
    head = head + 1
  else
    starved = starved + 1
  end
  return wrk.format("POST", path, hdrs, PREFIX .. t)
end
response = function(status, headers, body)
  if status == 200 then
    local rt = string.match(body, '"refresh_token"%s*:%s*"([^"]+)"')
    if rt then
      tail = tail + 1
      pool[tail] = rt
    else
      missing = missing + 1
    end
  elseif status < 400 then
    other_status = other_status + 1
  end
  pooled = tail - head + 1
end
`;
}

/** Closed loop of fetch() chains (BENCH_TOOL=node). */
async function runNodeChains(s, tokens, duration) {
  const lat = [];
  let ok = 0, non2xx = 0, errors = 0, missing = 0;
  const t0 = performance.now();
  const end = t0 + duration * 1000;
  await Promise.all(tokens.map(async (first) => {
    let rt = first;
    while (performance.now() < end && rt) {
      const s0 = performance.now();
      try {
        const r = await fetch(s.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: refreshBody(s, rt) });
        const text = await r.text();
        lat.push(performance.now() - s0);
        if (r.status !== 200) { non2xx++; rt = undefined; continue; }
        rt = JSON.parse(text).refresh_token;
        if (rt) ok++; else missing++;
      } catch { errors++; rt = undefined; }
    }
  }));
  return { ok, non2xx, errors, seconds: (performance.now() - t0) / 1000, p50ms: percentile(lat, 50), p99ms: percentile(lat, 99),
    extra: { starved: 0, missing, other_status: 0 } };
}

/** The load on already minted chains (one per connection). */
async function load(s, tokens, duration) {
  if (TOOL === 'node') return runNodeChains(s, tokens, duration);
  const connections = tokens.length - 1; // one spare, see wrkRefreshLua
  const threads = Math.min(THREADS, connections);
  const r = await runWrk(s.tokenUrl, wrkRefreshLua(s, tokens, threads), { duration, connections, threads });
  // wrk counts only status ≥ 400 as errors; a 200 without a refresh token and 1xx/3xx are errors too.
  const bad = (r.extra?.missing ?? 0) + (r.extra?.other_status ?? 0);
  return { ...r, ok: r.ok - bad, non2xx: r.non2xx + bad };
}

async function measure(s, round) {
  await checkRotation(s);
  const idle = procStatus(s.proc.pid);
  log(`${s.name}: round ${round}/${ROUNDS}: warm-up ${WARMUP} s, ${WARMUP_CONNECTIONS} chains …`);
  await load(s, await s.mint(WARMUP_CONNECTIONS + (TOOL === 'node' ? 0 : 1)), WARMUP);
  await sleep(300);
  // Fresh chains for the measured run (the warm-up's last in-flight requests broke theirs).
  const minted = await s.mint(CONNECTIONS + (TOOL === 'node' ? 0 : 1));
  log(`${s.name}: ${TOOL}, ${CONNECTIONS} chains, ${DURATION} s …`);
  const { result: r, cpuS, wallS } = await withCpu(s.proc.pid, () => load(s, minted, DURATION));
  const after = procStatus(s.proc.pid);
  const h = await fetch(`${s.issuer}/.well-known/openid-configuration`);
  await h.arrayBuffer();
  return {
    name: s.name,
    round,
    perS: r.ok / r.seconds,
    ok: r.ok,
    non2xx: r.non2xx,
    errors: r.errors,
    starved: r.extra?.starved ?? 0,
    p50ms: r.p50ms,
    p99ms: r.p99ms,
    cpuUsPer: r.ok ? (cpuS * 1e6) / r.ok : NaN,
    cpuCores: cpuS / wallS,
    idleRssMb: idle.rssKb / 1024,
    peakRssMb: after.hwmKb / 1024,
    healthyAfter: h.status === 200,
  };
}

const median = (xs) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return NaN;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

/** The median of each figure over a server's rounds (counts summed). */
function summarize(rs) {
  const m = (k) => median(rs.map((r) => r[k]));
  const sum = (k) => rs.reduce((a, r) => a + r[k], 0);
  return { name: rs[0].name, perS: m('perS'), p50ms: m('p50ms'), p99ms: m('p99ms'), cpuUsPer: m('cpuUsPer'), cpuCores: m('cpuCores'),
    idleRssMb: m('idleRssMb'), peakRssMb: Math.max(...rs.map((r) => r.peakRssMb)), ok: sum('ok'), non2xx: sum('non2xx'),
    errors: sum('errors'), starved: sum('starved'), healthyAfter: rs.every((r) => r.healthyAfter) };
}

async function main() {
  log(`host: ${hostLine()}, tool ${TOOL}, ${ROUNDS} interleaved round(s)`);
  // Every round starts each server afresh (an in-memory oidc-provider slows down as spent
  // tokens accumulate: reusing one process across rounds measured 1.1k/s, then 0.3k/s).
  const setups = [];
  if (ONLY !== 'oidc-provider') setups.push(setupAuthserver);
  if (ONLY !== 'authserver') setups.push(setupOidcProvider);
  const perServer = setups.map(() => []);
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [i, setup] of setups.entries()) {
      const s = await setup();
      perServer[i].push(await measure(s, round));
      await stop(s.proc);
    }
  }
  const results = perServer.map(summarize);

  const header = ['server', 'refreshes/s', 'p50 ms', 'p99 ms', 'CPU µs/refresh', 'CPU cores used', 'idle RSS MB', 'peak RSS MB',
    'ok', 'non-200', 'sock err', 'starved'];
  const row = (name, r) => [name, fmt(r.perS), fmt(r.p50ms, 2), fmt(r.p99ms, 2), fmt(r.cpuUsPer, 1), fmt(r.cpuCores, 2),
    fmt(r.idleRssMb, 1), fmt(r.peakRssMb, 1), String(r.ok), String(r.non2xx), String(r.errors), String(r.starved)];
  if (ROUNDS > 1) {
    const rounds = [header];
    for (let round = 0; round < ROUNDS; round++)
      for (const rs of perServer) rounds.push(row(`${rs[round].name} #${round + 1}`, rs[round]));
    printTable(rounds);
    console.log('');
  }
  const rows = [header];
  for (const r of results) rows.push(row(ROUNDS > 1 ? `${r.name} median` : r.name, r));
  if (results.length === 2) {
    const [a, o] = results;
    rows.push(['ratio C++ vs Node', ratio(a.perS, o.perS), `${ratio(o.p50ms, a.p50ms)} lower`, `${ratio(o.p99ms, a.p99ms)} lower`,
      `${ratio(o.cpuUsPer, a.cpuUsPer)} less`, '', `${ratio(o.idleRssMb, a.idleRssMb)} less`, '', '', '', '', '']);
  }
  printTable(rows);
  console.log(`\nrefresh_token grant with rotation; ${CONNECTIONS} chains on ${CONNECTIONS} keep-alive connections, ${DURATION} s per server `
    + `and round after ${WARMUP} s warm-up, ${ROUNDS} interleaved round(s)${ROUNDS > 1 ? ' (medians)' : ''}, `
    + `${TOOL}${TOOL === 'wrk' ? ` (${Math.min(THREADS, CONNECTIONS)} threads)` : ''}; ${os.cpus().length} CPUs; CLK_TCK ${CLK_TCK}.`);
  if (results.length === 2) {
    const [a, o] = results;
    if (ROUNDS > 1) {
      const per = perServer[0].map((r, i) => ratio(r.perS, perServer[1][i].perS));
      console.log(`per-round ratios (refreshes/s): ${per.join(', ')}`);
    }
    console.log(`target ≥ 10× refreshes/s: ${a.perS / o.perS >= 10 ? 'met' : 'NOT met'} (${ratio(a.perS, o.perS)}${ROUNDS > 1 ? ', ratio of medians' : ''})`);
  }
  if (process.env.BENCH_JSON) {
    fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ date: new Date().toISOString(), tool: TOOL, connections: CONNECTIONS,
      duration: DURATION, rounds: ROUNDS, cpus: os.cpus().length, results, per_round: perServer }, null, 2));
  }
  let bad = false;
  for (const r of results) {
    if (r.non2xx > 0 || r.errors > 0 || r.starved > 0 || !r.healthyAfter) {
      bad = true;
      log(`ERROR: ${r.name} had ${r.non2xx} non-200 responses, ${r.errors} socket errors, ${r.starved} starved requests`);
    }
  }
  return bad ? 1 : 0;
}

main().then((code) => { cleanup(); process.exit(code); }, (e) => { console.error(e); cleanup(); process.exit(1); });
