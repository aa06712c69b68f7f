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
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  CLK_TCK, HAVE_WRK, cleanup, decodeJwt, fmt, log, printTable, procStat, procStatus, requireFromTests, runWrk as wrk,
  sleep, startAuthserver as startServer, startNodeServer, wrkPostLua,
} from './lib.mjs';

const DURATION = Number(process.env.BENCH_DURATION ?? 15);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 64);
const THREADS = Number(process.env.BENCH_THREADS ?? 4);
const TOOL = process.env.BENCH_TOOL ?? (HAVE_WRK ? 'wrk' : 'autocannon');
const ONLY = process.env.BENCH_ONLY;
const RESOURCE = 'http://127.0.0.1:8080/mcp';
const SCOPE = 'mcp:echo';

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
  return wrk(url, wrkPostLua(body, basic), { duration, connections, threads: THREADS });
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
  const a = await startServer();
  await a.admin('/admin/resources', { slug: 'bench', uri: RESOURCE, display_name: 'Bench MCP', scopes: [{ name: SCOPE, description: 'echo' }] });
  const c = await a.admin('/admin/clients', {
    client_name: 'bench', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: SCOPE,
  });
  const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(c.client_id)}:${encodeURIComponent(c.client_secret)}`).toString('base64');
  return { proc: a.proc, issuer: a.issuer, url: `${a.issuer}/oauth/token`, basic, dbPath: a.dbPath };
}

async function startOidcProvider() {
  const clientId = 'bench-client';
  const secret = crypto.randomBytes(32).toString('base64url');
  const { proc, issuer } = await startNodeServer('oidc-provider-server.mjs',
    { OP_CLIENT_ID: clientId, OP_CLIENT_SECRET: secret, OP_RESOURCE: RESOURCE, OP_SCOPE: SCOPE },
    '/.well-known/openid-configuration', 'oidc-provider');
  const basic = 'Basic ' + Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return { proc, issuer, url: `${issuer}/token`, basic };
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
  printTable(rows);
  console.log(`\n${CONNECTIONS} keep-alive connections, ${DURATION} s per server, ${TOOL}; ${os.cpus().length} CPUs; CLK_TCK ${CLK_TCK}.`);
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ date: new Date().toISOString(), tool: TOOL, connections: CONNECTIONS, duration: DURATION, cpus: os.cpus().length, results }, null, 2));
  for (const r of results) {
    if (r.non2xx > 0 || r.errors > 0) log(`WARNING: ${r.name} had ${r.non2xx} non-2xx responses and ${r.errors} socket errors`);
  }
}

main().then(() => { cleanup(); process.exit(0); }, (e) => { console.error(e); cleanup(); process.exit(1); });
