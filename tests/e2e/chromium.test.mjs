// A real browser through the interactive flow: Debian's headless Chromium (/usr/bin/chromium,
// installed by scripts/setup.sh), driven by playwright-core (which never downloads a browser),
// signs in, narrows the consent, allows, and lands on a loopback callback; the code is then
// redeemed from node. A wrong password shows the generic 422 page. Each page is kept as a
// screenshot in tests/artifacts/chromium/<name>.png, and the pages must render under the
// server's Content-Security-Policy without a single CSP violation in the console.
// A last test checks CORS as a browser enforces it: fetches from an allowed page origin (with
// the MCP-Protocol-Version header the MCP TS SDK sends on metadata requests, and DPoP on the
// token endpoint) succeed, and the same fetches from another origin are blocked.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { startAuthserver, useAuthserver } from '../lib/server.mjs';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.resolve(import.meta.dirname, '..', 'artifacts', 'chromium');
const PW = 'chromium-Passw0rd-1';
const RES_URI = 'https://files.example/mcp';
const CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
}

/** A loopback HTTP server that records every request and answers with `html`. */
async function loopbackServer(html) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push(new URL(req.url, 'http://127.0.0.1'));
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { port, origin: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(r)) };
}

/** Saves a full-page screenshot as ARTIFACTS/<name>.png and checks it is a real PNG over 1 KB. */
async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  const bytes = fs.readFileSync(file);
  assert.ok(bytes.length > 1024, `${file}: ${bytes.length} bytes`);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${file} is not a PNG`);
  return file;
}

let browser;
before(async () => {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium package (scripts/setup.sh does: apt-get install chromium)`);
  }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
});
after(async () => { if (browser) await browser.close(); });

/** A fresh browser context and page that records console messages and page errors. */
async function newPage() {
  const context = await browser.newContext({ viewport: { width: 800, height: 700 } });
  const page = await context.newPage();
  const messages = [];
  page.on('console', (m) => messages.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  return { context, page, messages };
}

function assertNoCspViolations(messages) {
  const csp = messages.filter((m) => /Content Security Policy|Refused to/i.test(m));
  assert.deepEqual(csp, [], `CSP violations in the console:\n${csp.join('\n')}`);
}

/** The server's HTML page headers as the browser received them. */
function assertPageHeaders(resp) {
  const h = resp.headers();
  assert.equal(h['content-security-policy'], CSP);
  assert.equal(h['cache-control'], 'no-store');
  assert.equal(h['x-frame-options'], 'DENY');
  assert.match(h['content-type'], /^text\/html; charset=utf-8$/);
}

describe('headless Chromium: login, consent, callback', () => {
  const h = useAuthserver();
  let client;
  let callback;

  before(async () => {
    callback = await loopbackServer('<!DOCTYPE html><html><head><title>Callback</title></head>'
      + '<body><h1>Callback received</h1><p>The client app got the authorization response.</p></body></html>');
  });
  after(async () => { if (callback) await callback.close(); });

  it('setup: resource, public client with a loopback redirect URI, user', async () => {
    await h.srv.createResource({ slug: 'files', uri: RES_URI, display_name: 'Team Files',
      scopes: [{ name: 'files:read', description: 'Read your files' }, { name: 'files:write', description: 'Change your files' }] });
    client = await h.srv.createClient({ client_name: 'Chromium Desk App', grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none', scope: 'files:read files:write', redirect_uris: ['http://127.0.0.1/callback'] });
    const u = await h.srv.admin('POST', '/admin/users', { email: 'browser@example.com', password: PW });
    assert.equal(u.status, 201, u.text);
  });

  it('signs in, narrows the consent to one scope, allows, and the code redeems for that scope', async () => {
    const { context, page, messages } = await newPage();
    try {
      const redirectUri = `${callback.origin}/callback`;
      const { verifier, challenge } = pkce();
      const state = crypto.randomBytes(12).toString('base64url');
      const authorize = `${h.srv.issuer}/oauth/authorize?${new URLSearchParams({
        response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: 'files:read files:write',
        state, resource: RES_URI, code_challenge: challenge, code_challenge_method: 'S256' })}`;

      // Not signed in: the browser follows 303 → /login?redirect=<authorize>.
      const loginResp = await page.goto(authorize);
      assert.equal(loginResp.status(), 200);
      assertPageHeaders(loginResp);
      assert.equal(new URL(page.url()).pathname, '/login');
      assert.equal(await page.title(), 'Sign in');
      // The inline <style> applies under style-src 'unsafe-inline' (body max-width 28rem).
      assert.equal(await page.locator('body').evaluate((b) => getComputedStyle(b).maxWidth), '448px');
      await screenshot(page, 'login');

      await page.getByLabel('Email').fill('browser@example.com');
      await page.getByLabel('Password').fill(PW);
      await Promise.all([
        page.waitForURL((u) => u.pathname === '/consent'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      assert.match(page.url(), /\/consent\?session_id=[A-Za-z0-9_-]{22}$/);
      assert.equal(await page.title(), 'Authorize Chromium Desk App');
      const text = await page.locator('body').innerText();
      assert.match(text, /Chromium Desk App wants permission to access Team Files \(files · https:\/\/files\.example\/mcp\)\./);
      assert.match(text, /After you decide you will be sent to 127\.0\.0\.1\./);
      assert.match(text, /Signed in as browser@example\.com/);
      const boxes = page.locator('input[type="checkbox"][name="scopes"]');
      assert.equal(await boxes.count(), 2);
      assert.deepEqual(await boxes.evaluateAll((els) => els.map((e) => [e.value, e.checked])),
        [['files:read', true], ['files:write', true]]);
      await page.getByLabel('Change your files').uncheck();
      assert.equal(await page.getByLabel('Read your files').isChecked(), true);
      assert.equal(await page.getByLabel('Change your files').isChecked(), false);
      await screenshot(page, 'consent');

      await Promise.all([
        page.waitForURL((u) => u.origin === callback.origin),
        page.getByRole('button', { name: 'Allow' }).click(),
      ]);
      assert.equal(await page.locator('h1').innerText(), 'Callback received');
      await screenshot(page, 'callback');

      // The browser also asks the callback origin for /favicon.ico; only /callback matters.
      const hits = callback.requests.filter((u) => u.pathname === '/callback');
      assert.equal(hits.length, 1, callback.requests.join('\n'));
      const cb = hits[0];
      assert.deepEqual([...cb.searchParams.keys()].sort(), ['code', 'iss', 'state']);
      assert.match(cb.searchParams.get('code'), /^[A-Za-z0-9_-]{43}$/);
      assert.equal(cb.searchParams.get('state'), state);
      assert.equal(cb.searchParams.get('iss'), h.srv.issuer);
      assert.equal(new URL(page.url()).searchParams.get('code'), cb.searchParams.get('code'));

      const tok = await h.srv.tokenRequest({ grant_type: 'authorization_code', code: cb.searchParams.get('code'),
        client_id: client.client_id, redirect_uri: redirectUri, code_verifier: verifier });
      assert.equal(tok.status, 200, tok.text);
      assert.equal(tok.json.token_type, 'Bearer');
      assert.equal(tok.json.scope, 'files:read');
      assert.equal(typeof tok.json.access_token, 'string');

      assertNoCspViolations(messages);
    } finally {
      await context.close();
    }
  });

  it('a wrong password shows the generic 422 page and sets no session', async () => {
    const { context, page, messages } = await newPage();
    try {
      const { challenge } = pkce();
      const authorize = `${h.srv.issuer}/oauth/authorize?${new URLSearchParams({
        response_type: 'code', client_id: client.client_id, redirect_uri: `${callback.origin}/callback`, scope: 'files:read',
        state: 'wrong-pw', resource: RES_URI, code_challenge: challenge, code_challenge_method: 'S256' })}`;
      await page.goto(authorize);
      assert.equal(new URL(page.url()).pathname, '/login');
      await page.getByLabel('Email').fill('browser@example.com');
      await page.getByLabel('Password').fill('not-the-password');
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/login'),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      assert.equal(resp.status(), 422);
      assertPageHeaders(resp);
      await page.waitForLoadState('load');
      assert.equal(await page.getByRole('alert').innerText(), 'Invalid email or password');
      // The form is shown again with the email kept and the password empty.
      assert.equal(await page.getByLabel('Email').inputValue(), 'browser@example.com');
      assert.equal(await page.getByLabel('Password').inputValue(), '');
      await screenshot(page, 'login-wrong-password');
      const cookies = (await context.cookies()).map((c) => c.name).sort();
      assert.deepEqual(cookies, ['authserver_login_nonce']);
      assert.equal(callback.requests.filter((u) => u.searchParams.get('state') === 'wrong-pw').length, 0);
      assertNoCspViolations(messages);
    } finally {
      await context.close();
    }
  });
});

describe('headless Chromium: CORS as the browser enforces it', () => {
  let allowedPage;
  let otherPage;
  let srv;

  before(async () => {
    const html = '<!DOCTYPE html><html><head><title>App</title></head><body>app</body></html>';
    allowedPage = await loopbackServer(html);
    otherPage = await loopbackServer(html);
    srv = await startAuthserver({ env: { AUTHPLANE_SERVER_ALLOWED_ORIGINS: allowedPage.origin } });
  });
  after(async () => {
    if (srv) await srv.dispose();
    if (allowedPage) await allowedPage.close();
    if (otherPage) await otherPage.close();
  });

  /** Runs the browser-side fetches from a page on `origin`; each result is {status, body} or {error}. */
  async function fetchesFrom(origin) {
    const { context, page } = await newPage();
    try {
      await page.goto(`${origin}/app`);
      return await page.evaluate(async (issuer) => {
        const run = async (url, init) => {
          try {
            const r = await fetch(url, init);
            return { status: r.status, body: await r.json(), nonce: r.headers.get('dpop-nonce') };
          } catch (e) {
            return { error: String(e) };
          }
        };
        const mcp = { headers: { 'MCP-Protocol-Version': '2025-11-25' } };
        return {
          asMetadata: await run(`${issuer}/.well-known/oauth-authorization-server`, mcp),
          oidcMetadata: await run(`${issuer}/.well-known/openid-configuration`, mcp),
          prm: await run(`${issuer}/.well-known/oauth-protected-resource`, mcp),
          jwks: await run(`${issuer}/.well-known/jwks.json`),
          token: await run(`${issuer}/oauth/token`, { method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', DPoP: 'not-a-proof' },
            body: 'grant_type=client_credentials' }),
        };
      }, srv.issuer);
    } finally {
      await context.close();
    }
  }

  it('an allowed origin reads metadata (with MCP-Protocol-Version), JWKS and token errors', async () => {
    const r = await fetchesFrom(allowedPage.origin);
    assert.equal(r.asMetadata.status, 200, JSON.stringify(r.asMetadata));
    assert.equal(r.asMetadata.body.issuer, srv.issuer);
    assert.equal(r.oidcMetadata.status, 200, JSON.stringify(r.oidcMetadata));
    assert.equal(r.oidcMetadata.body.issuer, srv.issuer);
    // No resource is registered: the browser still sees the 404 JSON (CORS headers on errors too).
    assert.equal(r.prm.status, 404, JSON.stringify(r.prm));
    assert.equal(r.prm.body.error, 'not_found');
    assert.equal(r.jwks.status, 200, JSON.stringify(r.jwks));
    assert.ok(Array.isArray(r.jwks.body.keys) && r.jwks.body.keys.length >= 1);
    assert.equal(r.token.status, 401, JSON.stringify(r.token));
    assert.equal(r.token.body.error, 'invalid_client');
  });

  it('another origin is blocked by the browser on every endpoint', async () => {
    const r = await fetchesFrom(otherPage.origin);
    for (const [name, res] of Object.entries(r)) {
      assert.equal(res.error, 'TypeError: Failed to fetch', `${name}: ${JSON.stringify(res)}`);
    }
  });
});
