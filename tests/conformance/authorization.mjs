// Driver for tests/conformance/run-authorization.sh: runs the MCP conformance suite's
// `authorization` command (authorization-server scenarios, @modelcontextprotocol/conformance
// 0.2.x) against a running authserver and plays the resource owner in its browser step.
//
// The suite's authorization-code-grant scenario opens a callback listener on
// http://127.0.0.1:<port>/callback, prints an authorization URL ("Access the following URL in
// your browser...") and waits for a person to sign in and approve. Here a headless user agent
// (tests/lib/user_agent.mjs) does exactly what a browser would: it follows the redirects, signs
// in on /login with the page's CSRF token, approves on /consent, and then requests the redirect
// to the callback, which hands the code back to the suite. The server has no test backdoor.
//
// Everything comes from the environment (run-authorization.sh sets it):
//   CONFORMANCE_SUITE     path to the suite's dist/index.js (0.2.x)
//   AS_ISSUER             the issuer, byte-identical to the metadata's "issuer" (the --url)
//   AS_ADMIN_URL, AS_ADMIN_KEY   the admin API, to create the user, the resource and the client
//   MCP_URL               canonical URL of a running example MCP server protected by the issuer
//   CALLBACK_PORT         free port for the suite's callback listener
//   RESULTS_DIR           where the suite writes its checks.json files
//   EXPECTED_FAILURES     newline-separated "<scenario>:<check-id>" entries that must fail or warn
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { createUserAgent } from '../lib/user_agent.mjs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`authorization.mjs: ${name} is not set`);
  return v;
};
const suite = env('CONFORMANCE_SUITE');
const issuer = env('AS_ISSUER');
const adminUrl = env('AS_ADMIN_URL');
const adminKey = env('AS_ADMIN_KEY');
const mcpUrl = env('MCP_URL');
const callbackPort = Number(env('CALLBACK_PORT'));
const resultsDir = env('RESULTS_DIR');
const expected = new Set((process.env.EXPECTED_FAILURES ?? '').split('\n').map((s) => s.trim()).filter(Boolean));

const SCENARIOS = ['authorization-server-metadata-endpoint', 'authorization-code-grant'];
const PASS_TIMEOUT_MS = 60_000;
const redirectUri = `http://127.0.0.1:${callbackPort}/callback`;

async function admin(method, p, body) {
  const res = await fetch(`${adminUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== (method === 'POST' ? 201 : 200)) throw new Error(`admin ${method} ${p}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** The audit details ("jti=… aud=… scope=…") of the access tokens issued for authorization codes. */
async function codeTokensIssued(clientId) {
  const q = new URLSearchParams({ action: 'authorization_code.issued', client_id: clientId, limit: '1000' });
  return (await admin('GET', `/admin/audit?${q}`)).events.map((e) => e.detail);
}

/** The example MCP server must name this issuer, byte for byte, and this URL as its resource. */
async function checkProtectedResource() {
  const u = new URL(mcpUrl);
  const prmUrl = `${u.origin}/.well-known/oauth-protected-resource${u.pathname}`;
  const res = await fetch(prmUrl);
  const prm = await res.json();
  if (res.status !== 200 || prm.resource !== mcpUrl || prm.authorization_servers?.[0] !== issuer)
    throw new Error(`protected resource metadata at ${prmUrl} does not match (resource ${mcpUrl}, issuer ${issuer}): ${JSON.stringify(prm)}`);
  console.log(`setup: ${prmUrl} names resource ${prm.resource} and authorization server ${issuer}`);
}

/** A test user, the MCP server's resource, and a public client registered for the callback. */
async function setup() {
  const email = 'conformance@example.com';
  const password = randomBytes(18).toString('base64url');
  await admin('POST', '/admin/users', { email, password });
  await admin('POST', '/admin/resources', {
    slug: 'conformance-mcp', uri: mcpUrl, display_name: 'Conformance MCP server',
    scopes: [{ name: 'mcp:echo', description: 'Call the echo tool' }],
  });
  const client = await admin('POST', '/admin/clients', {
    client_name: 'MCP conformance suite', grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none', scope: 'mcp:echo', redirect_uris: [redirectUri],
  });
  console.log(`setup: user ${email}, resource ${mcpUrl} (scope mcp:echo), public client ${client.client_id} → ${redirectUri}`);
  return { email, password, clientId: client.client_id };
}

/** Requests the redirect to the suite's callback listener, as the browser would (a few tries). */
async function deliver(callback) {
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(callback);
      await res.arrayBuffer();
      return;
    } catch (e) {
      if (i >= 20) throw new Error(`callback ${callback.origin}${callback.pathname} unreachable: ${e.message}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/**
 * Runs the suite's `authorization` command once (both scenarios, in order: the code grant uses the
 * metadata the first scenario fetched) and answers its browser prompt as the signed-in user.
 * Returns {checks: {scenario: [check]}, problems: [string]}.
 */
async function runPass(name, user, extraArgs, audience) {
  const out = path.join(resultsDir, name);
  fs.mkdirSync(out, { recursive: true });
  const args = [suite, 'authorization', '--url', issuer, '--client-id', user.clientId,
    '--port', String(callbackPort), '--output-dir', out, ...extraArgs];
  console.log(`\n--- pass "${name}": conformance authorization ${args.slice(2).join(' ')}`);
  const issuedBefore = await codeTokensIssued(user.clientId);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: out });
  const problems = [];
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const timer = setTimeout(() => { problems.push(`timed out after ${PASS_TIMEOUT_MS} ms`); child.kill('SIGKILL'); }, PASS_TIMEOUT_MS);
  child.stderr.on('data', (d) => process.stderr.write(d));

  let promptSeen = false;
  let browsing = Promise.resolve();
  for await (const line of readline.createInterface({ input: child.stdout })) {
    if (line.trim()) console.log(`  ${line}`);
    if (line.startsWith('Access the following URL in your browser')) { promptSeen = true; continue; }
    if (!promptSeen) continue;
    promptSeen = false;
    browsing = (async () => {
      const ua = createUserAgent({ email: user.email, password: user.password, redirectUri, consent: 'allow' });
      try {
        const { callback, steps } = await ua.authorize(line.trim());
        const trail = steps.map((s) => `${s.method} ${new URL(s.url).pathname} ${s.status}`).join(' → ');
        console.log(`  [user] ${trail} → ${callback.origin}${callback.pathname}`);
        await deliver(callback);
      } catch (e) {
        problems.push(`user agent: ${e.message}`);
        child.kill('SIGKILL');
      }
    })();
  }
  await browsing;
  const { code, signal } = await exited;
  clearTimeout(timer);

  const checks = {};
  for (const dir of fs.readdirSync(out)) {
    const scenario = SCENARIOS.find((s) => dir.startsWith(`authorization-server-${s}-`));
    const file = path.join(out, dir, 'checks.json');
    if (scenario && fs.existsSync(file)) checks[scenario] = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  for (const s of SCENARIOS) if (!checks[s]) problems.push(`scenario ${s} produced no results`);
  const failing = Object.values(checks).flat().some((c) => c.status === 'FAILURE');
  if (code !== 0 && !failing) problems.push(`suite exited with ${signal ?? code} without a failed check`);

  // Our own check next to the suite's (it never shows the token): the one access token this pass
  // obtained must carry the expected audience and the default scope.
  const issued = (await codeTokensIssued(user.clientId)).filter((d) => !issuedBefore.includes(d));
  const want = `aud=${audience} scope=mcp:echo `;
  const ok = issued.length === 1 && issued[0].includes(want);
  console.log(`  [audit] authorization_code.issued: ${issued.join(' | ') || 'none'}`);
  checks['authplane'] = [{ id: 'token-audience', status: ok ? 'SUCCESS' : 'FAILURE',
    errorMessage: ok ? undefined : `expected one token with "${want.trim()}", got ${JSON.stringify(issued)}` }];
  return { checks, problems };
}

async function main() {
  await checkProtectedResource();
  const user = await setup();
  // "default": no resource and no scope, as the scenario sends by default (the server then picks
  // the default scope and the issuer as audience; oauth.require_scope=false).
  // "resource": --resource names the example MCP server (RFC 8707), so the token is for it.
  const passes = [['default', [], issuer], ['resource', ['--resource', mcpUrl], mcpUrl]];

  const rows = [];
  const seen = new Map();   // "<scenario>:<check-id>" → statuses over all passes
  let bad = 0;
  let expectedCount = 0;
  for (const [name, extra, audience] of passes) {
    const { checks, problems } = await runPass(name, user, extra, audience);
    for (const p of problems) { rows.push(`✗ ${name.padEnd(8)} ${p}`); bad++; }
    for (const s of [...SCENARIOS, 'authplane']) {
      for (const c of checks[s] ?? []) {
        const id = `${s}:${c.id}`;
        if (!seen.has(id)) seen.set(id, []);
        seen.get(id).push(c.status);
        const failing = c.status === 'FAILURE' || c.status === 'WARNING' || c.status === 'SKIPPED';
        let verdict;
        if (expected.has(id)) verdict = failing ? 'expected' : 'STALE';
        else verdict = failing ? 'FAILED' : 'ok';
        if (verdict === 'FAILED' || verdict === 'STALE') bad++;
        if (verdict === 'expected') expectedCount++;
        const why = c.errorMessage ? ` (${c.errorMessage})` : '';
        rows.push(`${verdict === 'ok' || verdict === 'expected' ? '✓' : '✗'} ${name.padEnd(8)} ${id}: ${c.status}` +
          `${verdict === 'expected' ? ' — expected' : ''}${verdict === 'STALE' ? ' — listed as an expected failure but passed: remove it' : ''}${verdict === 'ok' ? '' : why}`);
      }
    }
  }
  for (const id of expected) {
    if (!seen.has(id)) { rows.push(`✗ expected failure ${id} was never reported: fix the entry`); bad++; }
  }
  console.log('\n=== authorization conformance summary ===');
  for (const r of rows) console.log(r);
  const passed = rows.filter((r) => r.startsWith('✓')).length;
  if (expectedCount) console.log(`(${expectedCount} of the passed checks are expected failures or warnings)`);
  console.log(`authorization: ${passed} passed, ${bad} failed`);
  process.exit(bad ? 1 : 0);
}

main().catch((e) => { console.error(`authorization.mjs: ${e.stack ?? e}`); process.exit(1); });
