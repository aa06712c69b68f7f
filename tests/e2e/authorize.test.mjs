// Browser side of the authorization code flow through the real binary (reference §2.2, §2.7,
// §2.8): login (CSRF nonce, 422 without enumeration, lockout 429 + Retry-After), logout,
// /oauth/authorize in the reference's check order, consent (narrow, deny, allow) and the
// redirect with code, state and RFC 9207 iss.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import { useAuthserver } from '../lib/server.mjs';

const PW = 'e2e-Passw0rd-123';
const REDIRECT = 'http://127.0.0.1/callback';

/** A tiny browser: keeps cookies per name, never follows redirects. */
function browser(base) {
  const jar = new Map();
  async function request(path, init = {}) {
    const headers = { ...(init.headers ?? {}) };
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(path.startsWith('http') ? path : base + path, { ...init, headers, redirect: 'manual' });
    for (const sc of res.headers.getSetCookie()) {
      const [pair, ...attrs] = sc.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1);
      if (attrs.some((a) => /^\s*max-age=0$/i.test(a)) || value === '') jar.delete(name); else jar.set(name, value);
    }
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, location: res.headers.get('location'), setCookies: res.headers.getSetCookie() };
  }
  return {
    jar,
    get: (p) => request(p),
    postForm: (p, form) => request(p, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    }),
  };
}

function hidden(html, name) {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  return m ? m[1].replace(/&amp;/g, '&') : undefined;
}

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

async function login(b, email, password = PW, redirect = '/') {
  const page = await b.get(`/login?redirect=${encodeURIComponent(redirect)}`);
  assert.equal(page.status, 200, page.text);
  return b.postForm('/login', { email, password, csrf_token: hidden(page.text, 'csrf_token'), redirect });
}

function assertPageHeaders(r) {
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  const csp = r.headers.get('content-security-policy');
  assert.match(csp, /frame-ancestors 'none'/);
  assert.ok(!/script-src/.test(csp) && /default-src 'none'/.test(csp));
}

describe('login, logout and session cookie', () => {
  const h = useAuthserver();
  let user;
  it('setup: a user', async () => {
    const r = await h.srv.admin('POST', '/admin/users', { email: 'login@example.com', password: PW });
    assert.equal(r.status, 201, r.text);
    user = r.json;
  });

  it('GET /login renders a script-free form with a CSRF nonce cookie and security headers', async () => {
    const b = browser(h.srv.issuer);
    const r = await b.get('/login?redirect=%2Foauth%2Fauthorize%3Fx%3D%22%3E%3Cscript%3E');
    assert.equal(r.status, 200);
    assertPageHeaders(r);
    assert.ok(!r.text.includes('<script'), 'no script, and the redirect is escaped');
    assert.ok(r.setCookies.some((c) => /^authserver_login_nonce=.+\|.+; Path=\/; Max-Age=43200; HttpOnly; SameSite=Lax/.test(c)), r.setCookies.join('\n'));
    assert.ok(hidden(r.text, 'csrf_token'));
  });

  it('success: 303 to the safe redirect, session cookie HttpOnly SameSite=Lax Path=/ (no Secure on 127.0.0.1)', async () => {
    const b = browser(h.srv.issuer);
    const r = await login(b, 'LOGIN@example.com', PW, '/consent?session_id=abc');
    assert.equal(r.status, 303, r.text);
    assert.equal(r.location, '/consent?session_id=abc');
    const sc = r.setCookies.find((c) => c.startsWith('authserver_session='));
    assert.match(sc, new RegExp(`^authserver_session=${user.id}\\|0\\|\\d+\\|[A-Za-z0-9_-]{43}; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax$`));
    const again = await b.get('/login');
    assert.match(again.text, /Signed in as/);
  });

  it('unsafe post-login redirects fall back to /', async () => {
    for (const target of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/a://b']) {
      const r = await login(browser(h.srv.issuer), 'login@example.com', PW, target);
      assert.equal(r.status, 303);
      assert.equal(r.location, '/', target);
    }
  });

  it('bad password and unknown email → the same 422 page (no enumeration)', async () => {
    const a = await login(browser(h.srv.issuer), 'login@example.com', 'wrong-password');
    const b = await login(browser(h.srv.issuer), 'nobody@example.com', 'wrong-password');
    assert.equal(a.status, 422);
    assert.equal(b.status, 422);
    assert.match(a.text, /Invalid email or password/);
    assert.match(b.text, /Invalid email or password/);
    assert.ok(!a.setCookies.some((c) => c.startsWith('authserver_session=')));
  });

  it('CSRF: missing nonce cookie or wrong token → 403', async () => {
    const b = browser(h.srv.issuer);
    const noCookie = await b.postForm('/login', { email: 'login@example.com', password: PW, csrf_token: 'x' });
    assert.equal(noCookie.status, 403);
    const page = await b.get('/login');
    const wrong = await b.postForm('/login', { email: 'login@example.com', password: PW, csrf_token: hidden(page.text, 'csrf_token') + 'A' });
    assert.equal(wrong.status, 403);
  });

  it('lockout: 10 failures → 429 with Retry-After, even with the right password', async () => {
    await h.srv.admin('POST', '/admin/users', { email: 'locked@example.com', password: PW });
    for (let i = 0; i < 10; i++) assert.equal((await login(browser(h.srv.issuer), 'locked@example.com', 'nope-nope')).status, 422);
    const r = await login(browser(h.srv.issuer), 'Locked@Example.com', PW);
    assert.equal(r.status, 429);
    const wait = Number(r.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 900, `Retry-After ${wait}`);
    assert.match(r.text, /Too many failed attempts/);
  });

  it('logout: POST without the CSRF token → 403; with it → 303 /login and the cookie cleared', async () => {
    const b = browser(h.srv.issuer);
    await login(b, 'login@example.com');
    assert.equal((await b.postForm('/logout', {})).status, 403);
    const page = await b.get('/login');
    const r = await b.postForm('/logout', { csrf_token: hidden(page.text, 'csrf_token') });
    assert.equal(r.status, 303);
    assert.equal(r.location, '/login');
    assert.ok(r.setCookies.some((c) => /^authserver_session=; Path=\/; Max-Age=0/.test(c)));
    assert.ok(!b.jar.has('authserver_session'));
  });

  it('disabling the user ends the browser session', async () => {
    const u = (await h.srv.admin('POST', '/admin/users', { email: 'gone@example.com', password: PW })).json;
    const b = browser(h.srv.issuer);
    assert.equal((await login(b, 'gone@example.com')).status, 303);
    assert.match((await b.get('/login')).text, /Signed in as/);
    assert.equal((await h.srv.admin('PATCH', `/admin/users/${u.id}/disable`)).status, 200);
    const r = await b.get('/login');
    assert.match(r.text, /<form method="post" action="\/login">/);
  });
});

describe('GET /oauth/authorize and /consent', () => {
  const h = useAuthserver();
  let client, suspended, res;
  const { challenge, verifier } = pkce();
  const q = (over = {}) => {
    const p = { response_type: 'code', client_id: client.client_id, redirect_uri: REDIRECT, scope: 'files:read',
      state: 'st-1', resource: 'files', code_challenge: challenge, code_challenge_method: 'S256', ...over };
    for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
    return '/oauth/authorize?' + new URLSearchParams(p).toString();
  };
  const redirectParams = (r) => {
    assert.equal(r.status, 303, r.text);
    const u = new URL(r.location);
    assert.equal(u.hostname + u.pathname, '127.0.0.1/callback');
    return Object.fromEntries(u.searchParams);
  };

  it('setup: resource, clients, user', async () => {
    res = await h.srv.createResource({ slug: 'files', uri: 'https://files.example/mcp', display_name: 'Files',
      scopes: [{ name: 'files:read', description: 'Read your files' }, { name: 'files:write', description: 'Change files' }] });
    client = await h.srv.createClient({ client_name: 'Desk <App>', grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none', scope: 'files:read files:write', redirect_uris: [REDIRECT] });
    suspended = await h.srv.createClient({ grant_types: ['authorization_code'], token_endpoint_auth_method: 'none',
      scope: 'files:read', redirect_uris: [REDIRECT] });
    assert.equal((await h.srv.admin('PATCH', `/admin/clients/${suspended.client_id}/suspend`)).status, 200);
    assert.equal((await h.srv.admin('POST', '/admin/users', { email: 'flow@example.com', password: PW })).status, 201);
  });

  it('HTML error pages, never redirects: response_type, client, suspended, redirect_uri', async () => {
    const b = browser(h.srv.issuer);
    const cases = [
      [q({ response_type: 'token' }), 400, 'Authorization Error'],
      [q({ client_id: 'no-such-client' }), 400, 'Invalid Client'],
      [q({ client_id: 'https://app.example/client.json' }), 400, 'Invalid Client'],
      [q({ client_id: suspended.client_id }), 403, 'Client Suspended'],
      [q({ redirect_uri: 'http://127.0.0.1.evil.example/callback' }), 400, 'Invalid Redirect URI'],
      [q({ redirect_uri: 'http://127.0.0.1:8080.evil.example/callback' }), 400, 'Invalid Redirect URI'],
      [q({ redirect_uri: 'http://127.0.0.1/other' }), 400, 'Invalid Redirect URI'],
      [q({ redirect_uri: undefined }), 400, 'Invalid Redirect URI'],
      [q({ resource: 'nope' }), 400, 'Unknown Resource'],
    ];
    for (const [path, status, title] of cases) {
      const r = await b.get(path);
      assert.equal(r.status, status, `${path}: ${r.text.slice(0, 200)}`);
      assert.equal(r.location, null);
      assert.match(r.text, new RegExp(`<h1>${title}</h1>`));
      assertPageHeaders(r);
    }
  });

  it('errors with a valid redirect → 303 with error, error_description, state and iss', async () => {
    const b = browser(h.srv.issuer);
    const cases = [
      [q({ code_challenge: undefined }), 'invalid_grant'],
      [q({ code_challenge_method: 'plain' }), 'invalid_grant'],
      [q({ code_challenge_method: undefined }), 'invalid_grant'],
      [q({ scope: undefined }), 'invalid_scope', 'scope parameter is required (oauth.require_scope=true)'],
      [q({ scope: 'files:admin' }), 'invalid_scope'],
    ];
    for (const [path, error, desc] of cases) {
      const p = redirectParams(await b.get(path));
      assert.equal(p.error, error, path);
      assert.ok(p.error_description, path);
      if (desc) assert.equal(p.error_description, desc);
      assert.equal(p.state, 'st-1');
      assert.equal(p.iss, h.srv.issuer);
    }
    // Loopback redirect with any port still counts as registered.
    const p = redirectParams(await b.get(q({ redirect_uri: 'http://127.0.0.1:53123/callback', scope: 'files:admin' })));
    assert.equal(p.error, 'invalid_scope');
  });

  it('not signed in → 303 /login?redirect=<authorize URL>', async () => {
    const b = browser(h.srv.issuer);
    const path = q();
    const r = await b.get(path);
    assert.equal(r.status, 303);
    assert.equal(r.location, '/login?redirect=' + encodeURIComponent(path).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()));
  });

  async function toConsent(b, over) {
    const r = await b.get(q(over));
    assert.equal(r.status, 303, r.text);
    assert.match(r.location, /^\/consent\?session_id=[A-Za-z0-9_-]{22}$/);
    const page = await b.get(r.location);
    assert.equal(page.status, 200, page.text);
    return page;
  }

  it('consent page: client, resource, verified host, loopback warning, one checkbox per scope; CSRF 403; zero scopes 400', async () => {
    const b = browser(h.srv.issuer);
    assert.equal((await login(b, 'flow@example.com')).status, 303);
    const page = await toConsent(b, { scope: 'files:read files:write' });
    assertPageHeaders(page);
    assert.match(page.text, /Desk &lt;App&gt;/);
    assert.match(page.text, /Files/);
    assert.match(page.text, /https:\/\/files\.example\/mcp/);
    assert.match(page.text, /<strong>127\.0\.0\.1<\/strong>/);
    assert.match(page.text, /loopback/);
    assert.equal((page.text.match(/type="checkbox" name="scopes"/g) ?? []).length, 2);
    const session_id = hidden(page.text, 'session_id');
    const csrf_token = hidden(page.text, 'csrf_token');
    assert.equal((await b.postForm('/consent', { session_id, csrf_token: 'bad', action: 'allow', scopes: 'files:read' })).status, 403);
    const none = await b.postForm('/consent', { session_id, csrf_token, action: 'allow' });
    assert.equal(none.status, 400);
    assert.match(none.text, /No Permissions Selected/);
  });

  it('deny → redirect with access_denied, state and iss', async () => {
    const b = browser(h.srv.issuer);
    await login(b, 'flow@example.com');
    const page = await toConsent(b, { state: 'deny-state' });
    const r = await b.postForm('/consent', { session_id: hidden(page.text, 'session_id'), csrf_token: hidden(page.text, 'csrf_token'), action: 'deny' });
    const p = redirectParams(r);
    assert.equal(p.error, 'access_denied');
    assert.equal(p.state, 'deny-state');
    assert.equal(p.iss, h.srv.issuer);
  });

  it('allow (narrowed) → code + state + iss; the stored consent then skips the page for covered scopes only', async () => {
    const b = browser(h.srv.issuer);
    await login(b, 'flow@example.com');
    const page = await toConsent(b, { scope: 'files:read files:write', redirect_uri: 'http://127.0.0.1:4711/callback', state: 'allow-1' });
    const r = await b.postForm('/consent', new URLSearchParams([
      ['session_id', hidden(page.text, 'session_id')], ['csrf_token', hidden(page.text, 'csrf_token')],
      ['action', 'allow'], ['scopes', 'files:read']]));
    assert.equal(r.status, 303, r.text);
    const u = new URL(r.location);
    assert.equal(u.origin + u.pathname, 'http://127.0.0.1:4711/callback');
    assert.match(u.searchParams.get('code'), /^[A-Za-z0-9_-]{43}$/);
    assert.equal(u.searchParams.get('state'), 'allow-1');
    assert.equal(u.searchParams.get('iss'), h.srv.issuer);
    // The session id is single use.
    const replay = await b.postForm('/consent', { session_id: hidden(page.text, 'session_id'), csrf_token: hidden(page.text, 'csrf_token'), action: 'allow', scopes: 'files:read' });
    assert.equal(replay.status, 400);
    // Covered by the consent: code at once.
    const again = await b.get(q({ scope: 'files:read', state: 'allow-2' }));
    const p = redirectParams(again);
    assert.match(p.code, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(p.state, 'allow-2');
    assert.equal(p.iss, h.srv.issuer);
    // Wider than the consent: back to the page.
    const wider = await b.get(q({ scope: 'files:read files:write' }));
    assert.match(wider.location, /^\/consent\?session_id=/);
  });

  it('offline_access is accepted and dropped; prompt=consent shows the page again; prompt=none never shows a page', async () => {
    const anon = browser(h.srv.issuer);
    // prompt=none without a session: login_required back to the client, no login page.
    let p = redirectParams(await anon.get(q({ prompt: 'none', state: 'pn-1' })));
    assert.deepEqual([p.error, p.state, p.iss], ['login_required', 'pn-1', h.srv.issuer]);
    p = redirectParams(await anon.get(q({ prompt: 'none consent' })));
    assert.equal(p.error, 'invalid_request');

    const b = browser(h.srv.issuer);
    await login(b, 'flow@example.com');
    // files:read was granted by the previous test; files:write was not.
    p = redirectParams(await b.get(q({ scope: 'files:write', prompt: 'none', state: 'pn-2' })));
    assert.deepEqual([p.error, p.state, p.iss], ['consent_required', 'pn-2', h.srv.issuer]);
    p = redirectParams(await b.get(q({ scope: 'files:read offline_access', prompt: 'none', state: 'pn-3' })));
    assert.match(p.code, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(p.state, 'pn-3');
    // offline_access alone with a resource catalog that lacks it: not invalid_scope.
    const again = await b.get(q({ scope: 'files:read offline_access', prompt: 'consent' }));
    assert.match(again.location, /^\/consent\?session_id=/);
    const page = await b.get(again.location);
    assert.equal((page.text.match(/type="checkbox" name="scopes"/g) ?? []).length, 1);
    assert.doesNotMatch(page.text, /offline_access/);
    const r = await b.postForm('/consent', new URLSearchParams([
      ['session_id', hidden(page.text, 'session_id')], ['csrf_token', hidden(page.text, 'csrf_token')],
      ['action', 'allow'], ['scopes', 'files:read']]));
    const code = new URL(r.location).searchParams.get('code');
    const tok = await fetch(h.srv.issuer + '/oauth/token', { method: 'POST', body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: client.client_id, code_verifier: verifier }) });
    const body = await tok.json();
    assert.equal(tok.status, 200, JSON.stringify(body));
    assert.equal(body.scope, 'files:read');
    assert.match(body.refresh_token, /^[0-9a-f]{12}[A-Za-z0-9_-]{65}$/);
    // Repeating prompt is an error page like every repeated parameter.
    const rep = await b.get(q() + '&prompt=none&prompt=consent');
    assert.equal(rep.status, 400);
    assert.match(rep.text, /The parameter prompt is repeated/);
  });

  it('consent without a session → 303 /login; unknown session_id → 400 Invalid Session', async () => {
    const anon = browser(h.srv.issuer);
    const r = await anon.get('/consent?session_id=abc');
    assert.equal(r.status, 303);
    assert.match(r.location, /^\/login\?redirect=%2Fconsent/);
    const b = browser(h.srv.issuer);
    await login(b, 'flow@example.com');
    const bad = await b.get('/consent?session_id=abc');
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Invalid Session/);
  });
});
