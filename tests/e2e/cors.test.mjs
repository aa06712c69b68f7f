// CORS and security headers of the public port, end to end (reference §10; MCP client notes in
// mcp-authorization.md). CORS is active only when server.allowed_origins is set, only on the
// endpoints browsers call (token, register, revoke, introspect, /.well-known/*), for an exact
// origin or `*`. Preflights answer 204 with fixed methods, headers and max-age; the well-known
// documents also allow MCP-Protocol-Version, which the MCP TS SDK sends on metadata requests.
// Every answer on a CORS path carries `Vary: Origin` while CORS is on. Security headers are on
// every response; HSTS only with session.secure.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { http, useAuthserver } from '../lib/server.mjs';

const APP = 'https://app.example';
const CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'";
const HSTS = 'max-age=63072000; includeSubDomains';

/** Every path cors_path() covers, with the method a browser would use after the preflight. */
const CORS_PATHS = [
  ['POST', '/oauth/token'],
  ['POST', '/oauth/register'],
  ['POST', '/oauth/revoke'],
  ['POST', '/oauth/introspect'],
  ['GET', '/.well-known/oauth-authorization-server'],
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/.well-known/jwks.json'],
  ['GET', '/.well-known/oauth-protected-resource'],
  ['GET', '/.well-known/oauth-protected-resource/mcp'],
];
/** Browser pages and other endpoints that never get CORS headers. */
const NON_CORS_PATHS = ['/oauth/authorize', '/login', '/consent', '/logout', '/livez', '/health', '/jwks'];

/** The Access-Control-* response headers as a plain object (lower-case names). */
function acHeaders(r) {
  return Object.fromEntries([...r.headers].filter(([k]) => k.startsWith('access-control-')));
}

function preflight(srv, path, origin, method = 'POST', requestHeaders) {
  const headers = { origin, 'access-control-request-method': method };
  if (requestHeaders) headers['access-control-request-headers'] = requestHeaders;
  return srv.get(path, { method: 'OPTIONS', headers });
}

/** A simple (non-preflighted) request as a browser would send it after a successful preflight. */
function simple(srv, method, path, origin) {
  const headers = origin ? { origin } : {};
  if (method === 'POST') {
    const json = path === '/oauth/register';
    headers['content-type'] = json ? 'application/json' : 'application/x-www-form-urlencoded';
    return srv.get(path, { method, headers, body: json ? '{}' : 'token=x&grant_type=client_credentials' });
  }
  return srv.get(path, { method, headers });
}

function expectedPreflight(path, allow) {
  return {
    'access-control-allow-origin': allow,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers': path.startsWith('/.well-known/')
      ? 'Content-Type, Authorization, DPoP, MCP-Protocol-Version'
      : 'Content-Type, Authorization, DPoP',
    'access-control-max-age': '86400',
  };
}

function assertSecurityHeaders(r, { hsts = false } = {}, ctx = '') {
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff', ctx);
  assert.equal(r.headers.get('x-frame-options'), 'DENY', ctx);
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer', ctx);
  assert.equal(r.headers.get('content-security-policy'), CSP, ctx);
  assert.equal(r.headers.get('strict-transport-security'), hsts ? HSTS : null, ctx);
}

describe('CORS off (server.allowed_origins unset)', () => {
  const h = useAuthserver();

  it('no CORS headers and no Vary on any endpoint, even with an Origin', async () => {
    for (const [method, path] of CORS_PATHS) {
      const r = await simple(h.srv, method, path, APP);
      assert.deepEqual(acHeaders(r), {}, `${method} ${path}`);
      assert.equal(r.headers.get('vary'), null, `${method} ${path}`);
    }
    for (const path of NON_CORS_PATHS) {
      const r = await h.srv.get(path, { headers: { origin: APP } });
      assert.deepEqual(acHeaders(r), {}, path);
    }
  });

  it('a preflight is not answered with CORS: 405 with Allow, no Access-Control-*', async () => {
    for (const [method, path] of CORS_PATHS) {
      const r = await preflight(h.srv, path, APP, method, 'content-type');
      // Routed endpoints answer 405 + Allow; the PRM documents (GET-only middleware) fall to 404.
      const prm = path.startsWith('/.well-known/oauth-protected-resource');
      assert.equal(r.status, prm ? 404 : 405, `OPTIONS ${path}: ${r.text}`);
      assert.equal(r.headers.get('allow'), prm ? null : method, path);
      assert.deepEqual(acHeaders(r), {}, path);
    }
  });
});

describe(`CORS on (${APP} and another allowed origin)`, () => {
  // A list with a space after the comma, as an operator would type it.
  const h = useAuthserver({ env: { AUTHPLANE_SERVER_ALLOWED_ORIGINS: `https://other.example, ${APP}` } });

  it('setup: a resource so that the PRM path of its URI answers 200', async () => {
    await h.srv.createResource({ slug: 'mcp', uri: `${h.srv.issuer}/mcp`, scopes: ['mcp:echo'] });
    const r = await h.srv.get('/.well-known/oauth-protected-resource/mcp');
    assert.equal(r.status, 200, r.text);
  });

  it('preflight on every CORS path → 204 with the exact CORS headers, Vary and security headers', async () => {
    for (const [method, path] of CORS_PATHS) {
      const r = await preflight(h.srv, path, APP, method, 'content-type,authorization,dpop');
      assert.equal(r.status, 204, `OPTIONS ${path}: ${r.text}`);
      assert.equal(r.text, '');
      assert.deepEqual(acHeaders(r), expectedPreflight(path, APP), path);
      assert.equal(r.headers.get('vary'), 'Origin', path);
      assertSecurityHeaders(r, {}, path);
    }
    // The second configured origin works the same.
    const other = await preflight(h.srv, '/oauth/token', 'https://other.example');
    assert.equal(other.status, 204);
    assert.deepEqual(acHeaders(other), expectedPreflight('/oauth/token', 'https://other.example'));
  });

  it('the MCP SDK metadata preflight (MCP-Protocol-Version) is allowed on the well-known documents', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration']) {
      const r = await preflight(h.srv, path, APP, 'GET', 'mcp-protocol-version');
      assert.equal(r.status, 204, path);
      const allowed = r.headers.get('access-control-allow-headers').toLowerCase().split(/\s*,\s*/);
      assert.ok(allowed.includes('mcp-protocol-version'), `${path}: ${allowed}`);
    }
  });

  it('simple requests from the allowed origin get Allow-Origin, Expose-Headers and Vary: Origin', async () => {
    const expectStatus = {
      '/oauth/token': 401, '/oauth/register': 400, '/oauth/revoke': 401, '/oauth/introspect': 401,
      '/.well-known/oauth-authorization-server': 200, '/.well-known/openid-configuration': 200,
      // The only resource's URI has the path /mcp, so the root PRM is a 404 (with CORS headers).
      '/.well-known/jwks.json': 200, '/.well-known/oauth-protected-resource': 404,
      '/.well-known/oauth-protected-resource/mcp': 200,
    };
    for (const [method, path] of CORS_PATHS) {
      const r = await simple(h.srv, method, path, APP);
      assert.equal(r.status, expectStatus[path], `${method} ${path}: ${r.text}`);
      assert.deepEqual(acHeaders(r), {
        'access-control-allow-origin': APP,
        'access-control-expose-headers': 'DPoP-Nonce, WWW-Authenticate',
      }, path);
      assert.equal(r.headers.get('vary'), 'Origin', path);
      assertSecurityHeaders(r, {}, path);
    }
  });

  it('other origins and near misses get no CORS headers (Vary: Origin still set); their preflight is 405', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil', 'http://app.example', 'https://app.example:8443',
      'https://APP.example', 'null']) {
      for (const [method, path] of CORS_PATHS) {
        const r = await simple(h.srv, method, path, origin);
        assert.deepEqual(acHeaders(r), {}, `${origin} ${method} ${path}`);
        assert.equal(r.headers.get('vary'), 'Origin', `${origin} ${path}`);
      }
      const p = await preflight(h.srv, '/oauth/token', origin);
      assert.equal(p.status, 405, origin);
      assert.deepEqual(acHeaders(p), {}, origin);
    }
  });

  it('no Origin header: no CORS headers, but Vary: Origin on CORS paths (cacheable metadata)', async () => {
    const r = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=3600');
    assert.deepEqual(acHeaders(r), {});
    assert.equal(r.headers.get('vary'), 'Origin');
  });

  it('/oauth/authorize, /login, /consent and other non-CORS paths never get CORS headers, nor a preflight', async () => {
    for (const path of NON_CORS_PATHS) {
      const r = await h.srv.get(path, { headers: { origin: APP } });
      assert.deepEqual(acHeaders(r), {}, path);
      assert.equal(r.headers.get('vary'), null, path);
      const p = await preflight(h.srv, path, APP, 'GET');
      assert.notEqual(p.status, 204, path);
      assert.deepEqual(acHeaders(p), {}, `OPTIONS ${path}`);
    }
    const login = await h.srv.post('/login', { email: 'a@example.com', password: 'x' }, { headers: { origin: APP } });
    assert.equal(login.status, 403);
    assert.deepEqual(acHeaders(login), {});
  });
});

describe('CORS with `*`', () => {
  const h = useAuthserver({ env: { AUTHPLANE_SERVER_ALLOWED_ORIGINS: '*' } });

  it('any origin gets `*` on CORS paths (preflight and simple); pages still get none', async () => {
    for (const origin of [APP, 'https://anything.example', 'http://localhost:5173']) {
      const p = await preflight(h.srv, '/.well-known/oauth-authorization-server', origin, 'GET', 'mcp-protocol-version');
      assert.equal(p.status, 204);
      assert.deepEqual(acHeaders(p), expectedPreflight('/.well-known/oauth-authorization-server', '*'));
      const t = await simple(h.srv, 'POST', '/oauth/token', origin);
      assert.equal(t.status, 401);
      assert.equal(t.headers.get('access-control-allow-origin'), '*');
      assert.equal(t.headers.get('access-control-expose-headers'), 'DPoP-Nonce, WWW-Authenticate');
      assert.equal(t.headers.get('vary'), 'Origin');
      const page = await h.srv.get('/login', { headers: { origin } });
      assert.deepEqual(acHeaders(page), {});
    }
    const none = await h.srv.get('/.well-known/jwks.json');
    assert.deepEqual(acHeaders(none), {});
  });
});

describe('security headers (session.secure unset: no HSTS)', () => {
  const h = useAuthserver();

  it('on pages, JSON endpoints, redirects and 404s; no-store where the reference asks for it', async () => {
    const cases = [
      // [method, path, status, cache-control, pragma]
      ['GET', '/login', 200, 'no-store', 'no-cache'],
      ['POST', '/login', 403, 'no-store', 'no-cache'],
      ['GET', '/oauth/authorize?response_type=code&client_id=nope', 400, 'no-store', 'no-cache'],
      ['GET', '/consent?session_id=abc', 303, 'no-store', null],
      ['POST', '/oauth/token', 401, 'no-store', 'no-cache'],
      ['POST', '/oauth/register', 201, 'no-store', 'no-cache'],
      ['POST', '/oauth/register', 400, 'no-store', null],
      ['GET', '/.well-known/oauth-authorization-server', 200, 'public, max-age=3600', null],
      ['GET', '/.well-known/jwks.json', 200, 'public, max-age=3600', null],
      ['GET', '/health', 200, 'no-store', null],
      ['GET', '/livez', 200, null, null],
      ['GET', '/no-such-path', 404, null, null],
    ];
    let registered = false;
    for (const [method, path, status, cache, pragma] of cases) {
      let r;
      if (path === '/oauth/register') {
        const body = registered ? '{}' : JSON.stringify({ client_name: 'hdr', redirect_uris: ['http://127.0.0.1/cb'],
          token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] });
        registered = true;
        r = await h.srv.post(path, {}, { contentType: 'application/json', rawBody: body });
      } else if (method === 'POST') {
        r = await h.srv.post(path, { grant_type: 'client_credentials' });
      } else {
        r = await h.srv.get(path);
      }
      const ctx = `${method} ${path}`;
      assert.equal(r.status, status, `${ctx}: ${r.text.slice(0, 200)}`);
      assertSecurityHeaders(r, {}, ctx);
      assert.equal(r.headers.get('cache-control'), cache, ctx);
      assert.equal(r.headers.get('pragma'), pragma, ctx);
    }
  });

  it('the error page of /oauth/authorize is HTML without scripts', async () => {
    const r = await h.srv.get('/oauth/authorize?response_type=code&client_id=nope');
    assert.equal(r.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(r.text, /<h1>Invalid Client<\/h1>/);
    assert.ok(!/<script/i.test(r.text));
  });
});

describe('security headers with AUTHPLANE_SESSION_SECURE=true: HSTS everywhere, Secure cookies', () => {
  const h = useAuthserver({ env: { AUTHPLANE_SESSION_SECURE: 'true' } });

  it('HSTS on pages, JSON, redirects, 404s and preflight-less OPTIONS', async () => {
    for (const [method, path] of [['GET', '/login'], ['GET', '/consent?session_id=x'], ['POST', '/oauth/token'],
      ['GET', '/.well-known/oauth-authorization-server'], ['GET', '/livez'], ['GET', '/nope'], ['OPTIONS', '/oauth/token']]) {
      const r = method === 'POST' ? await h.srv.post(path, {}) : await h.srv.get(path, { method });
      assertSecurityHeaders(r, { hsts: true }, `${method} ${path}`);
    }
    const login = await http(`${h.srv.issuer}/login`);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('authserver_login_nonce='));
    assert.match(cookie, /; HttpOnly; SameSite=Lax; Secure$/);
  });
});
