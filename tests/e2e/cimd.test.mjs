// Client ID metadata documents through the real binary: a URL-shaped client_id at
// /oauth/authorize makes the server fetch the document from a local https fixture (its CA
// trusted through SSL_CERT_FILE), validate it, keep it as a client and continue the flow.
// Covers the full code + refresh flow, every refusal with its exact page, the SSRF guard, the
// cache, the negative cache, single flight, the concurrency cap, refetch after expiry, the DCR
// modes and the metadata flag.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startAuthserver, http, sleep } from '../lib/server.mjs';
import { browser, hidden } from '../lib/browser.mjs';
import { decodeJwt } from '../lib/oauth.mjs';
import { startHttpsFixture } from '../lib/https_fixture.mjs';

const PW = 'cimd-Passw0rd-123';
const REDIRECT = 'http://127.0.0.1/callback';
const RES_URI = 'https://notes.example/mcp';
const NOT_REGISTERED = 'The client is not registered with this server.';
const INVALID = 'The client metadata document is invalid: ';

const esc = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const verifierPair = () => {
  const verifier = crypto.randomBytes(32).toString('base64url');
  return { verifier, challenge: crypto.createHash('sha256').update(verifier).digest('base64url') };
};
const CHALLENGE = verifierPair().challenge;

function authorizeUrl(srv, clientId, over = {}) {
  const u = new URL('/oauth/authorize', srv.issuer);
  const params = { response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'notes:read', state: 'st-1',
    resource: RES_URI, code_challenge: CHALLENGE, code_challenge_method: 'S256', ...over };
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return u.href;
}

const documentFor = (url, extra = {}) => ({ client_id: url, client_name: 'CIMD Notes', redirect_uris: [REDIRECT], ...extra });

/** GET /oauth/authorize; asserts an HTML error page (never a redirect) with the exact title and message. */
async function expectPage(srv, clientId, status, title, message, over = {}) {
  const r = await http(authorizeUrl(srv, clientId, over));
  assert.equal(r.status, status, r.text.slice(0, 400));
  assert.equal(r.headers.get('location'), null);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.ok(r.text.includes(`<h1>${title}</h1>`), r.text.slice(0, 400));
  if (message !== undefined) assert.ok(r.text.includes(`<p class="error">${esc(message)}</p>`), r.text.slice(-600));
  return r;
}

/** An accepted document: the checks pass and an anonymous user is sent to /login. */
async function expectAccepted(srv, clientId, over = {}) {
  const r = await http(authorizeUrl(srv, clientId, over));
  assert.equal(r.status, 303, r.text.slice(0, 400));
  assert.match(r.headers.get('location'), /^\/login\?redirect=/);
  return r;
}

async function cimdServer(t, fx, env = {}) {
  const srv = await startAuthserver({ t, env: {
    SSL_CERT_FILE: fx.caFile,
    AUTHPLANE_CIMD_ALLOW_PRIVATE_ADDRESSES: 'true',
    AUTHPLANE_CIMD_FETCH_TIMEOUT: '2s',
    AUTHPLANE_RATE_LIMIT_ENABLED: 'false',
    ...env,
  } });
  await srv.createResource({ slug: 'notes', uri: RES_URI, scopes: ['notes:read', 'notes:write'] });
  return srv;
}

describe('CIMD: a document client through authorize, consent, token and refresh', () => {
  let fx, srv;
  before(async () => {
    fx = await startHttpsFixture();
    srv = await cimdServer(undefined, fx);
  });
  after(async () => {
    await srv?.dispose();
    await fx?.close();
  });

  it('metadata advertises client_id_metadata_document_supported', async () => {
    const r = await srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.status, 200);
    assert.equal(r.json.client_id_metadata_document_supported, true);
  });

  it('full flow: authorize → login → consent → code → token (client_id = URL, PKCE, no secret) → refresh', async () => {
    const url = fx.route('/clients/notes.json', { body: documentFor(fx.url('/clients/notes.json'),
      { grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', scope: 'notes:read notes:write' }) });
    assert.equal((await srv.admin('POST', '/admin/users', { email: 'cimd@example.com', password: PW })).status, 201);
    const b = browser(srv.issuer);
    const { verifier, challenge } = verifierPair();
    let r = await b.get(authorizeUrl(srv, url, { code_challenge: challenge, scope: 'notes:read notes:write' }));
    assert.equal(r.status, 303, r.text);
    assert.match(r.location, /^\/login\?redirect=/);
    const loginPage = await b.get(r.location);
    r = await b.postForm('/login', { email: 'cimd@example.com', password: PW, csrf_token: hidden(loginPage.text, 'csrf_token'),
      redirect: decodeURIComponent(r.location.slice('/login?redirect='.length)) });
    assert.equal(r.status, 303, r.text);
    r = await b.get(r.location);
    assert.equal(r.status, 303, r.text);
    assert.match(r.location, /^\/consent\?session_id=/);
    const consent = await b.get(r.location);
    assert.equal(consent.status, 200);
    assert.ok(consent.text.includes('<strong>CIMD Notes</strong> wants permission'), 'consent names the client');
    assert.ok(consent.text.includes('sent to <strong>127.0.0.1</strong>'), 'consent shows the redirect host');
    r = await b.postForm('/consent', new URLSearchParams([['session_id', hidden(consent.text, 'session_id')],
      ['csrf_token', hidden(consent.text, 'csrf_token')], ['action', 'allow'], ['scopes', 'notes:read'], ['scopes', 'notes:write']]));
    assert.equal(r.status, 303, r.text);
    const cb = new URL(r.location);
    assert.equal(cb.origin + cb.pathname, REDIRECT);
    assert.equal(cb.searchParams.get('state'), 'st-1');
    assert.equal(cb.searchParams.get('iss'), srv.issuer);

    const tok = await srv.tokenRequest({ grant_type: 'authorization_code', code: cb.searchParams.get('code'), client_id: url,
      redirect_uri: REDIRECT, code_verifier: verifier, resource: RES_URI });
    assert.equal(tok.status, 200, tok.text);
    assert.equal(tok.json.scope, 'notes:read notes:write');
    assert.match(tok.json.refresh_token, /^[0-9a-f]{12}[A-Za-z0-9_-]{65}$/);
    const { claims } = decodeJwt(tok.json.access_token);
    assert.equal(claims.client_id, url);
    assert.deepEqual([].concat(claims.aud), [RES_URI]);

    const ref = await srv.tokenRequest({ grant_type: 'refresh_token', refresh_token: tok.json.refresh_token, client_id: url });
    assert.equal(ref.status, 200, ref.text);
    assert.notEqual(ref.json.refresh_token, tok.json.refresh_token);
    assert.equal(decodeJwt(ref.json.access_token).claims.client_id, url);
    // Refresh rotation applies to the document client: the spent token is refused.
    const again = await srv.tokenRequest({ grant_type: 'refresh_token', refresh_token: tok.json.refresh_token, client_id: url });
    assert.equal(again.status, 400);
    assert.equal(again.json.error, 'invalid_grant');

    // One fetch for the whole flow (two authorize requests): the document was cached.
    assert.equal(fx.count('/clients/notes.json'), 1);
    const seen = fx.requests.find((x) => x.path === '/clients/notes.json');
    assert.equal(seen.method, 'GET');
    assert.equal(seen.headers.accept, 'application/json');

    // The admin API shows the stored client by its URL.
    const one = await srv.admin('GET', `/admin/clients/${encodeURIComponent(url)}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.id, url);
    assert.equal(one.json.registration_source, 'cimd');
    assert.equal(one.json.cimd_url, url);
    assert.equal(one.json.token_endpoint_auth_method, 'none');
    assert.deepEqual(one.json.redirect_uris, [REDIRECT]);
  });

  it('the redirect URI must be one of the document\'s (loopback port ignored)', async () => {
    const url = fx.route('/clients/redirects.json', { body: documentFor(fx.url('/clients/redirects.json')) });
    await expectPage(srv, url, 400, 'Invalid Redirect URI', 'The redirect URI is not registered for this client.',
      { redirect_uri: 'http://127.0.0.1/other' });
    await expectPage(srv, url, 400, 'Invalid Redirect URI', 'The redirect URI is not registered for this client.',
      { redirect_uri: 'https://evil.example/callback' });
    await expectAccepted(srv, url, { redirect_uri: 'http://127.0.0.1:51234/callback' });
    assert.equal(fx.count('/clients/redirects.json'), 1);
  });

  it('refusals: client_id mismatch, missing redirect_uris, secret method, content type, status, oversize', async () => {
    const cases = [
      ['/bad/mismatch.json', { body: documentFor(fx.url('/bad/other.json')) }, `${INVALID}its client_id does not match the URL.`],
      ['/bad/no-redirects.json', { body: { client_id: fx.url('/bad/no-redirects.json'), client_name: 'x' } },
        `${INVALID}redirect_uris is required for the authorization_code and refresh_token grants.`],
      ['/bad/no-name.json', { body: { client_id: fx.url('/bad/no-name.json'), redirect_uris: [REDIRECT] } },
        `${INVALID}client_name is required.`],
      ['/bad/secret-method.json', { body: documentFor(fx.url('/bad/secret-method.json'), { token_endpoint_auth_method: 'client_secret_basic' }) },
        `${INVALID}token_endpoint_auth_method must be "none".`],
      ['/bad/machine.json', { body: documentFor(fx.url('/bad/machine.json'), { grant_types: ['client_credentials'] }) },
        `${INVALID}grant_types may only contain authorization_code and refresh_token.`],
      ['/bad/type.json', { body: documentFor(fx.url('/bad/type.json')), headers: { 'content-type': 'text/plain' } },
        'The client metadata document must be served as application/json.'],
      ['/bad/array.json', { body: '[]' }, 'The client metadata document is not a JSON object.'],
      ['/bad/status.json', { status: 404, body: documentFor(fx.url('/bad/status.json')) },
        'The client metadata document could not be fetched: the server answered HTTP 404.'],
      ['/bad/big.json', { body: documentFor(fx.url('/bad/big.json'), { padding: 'x'.repeat(70 * 1024) }) },
        'The client metadata document is larger than 64 KiB.'],
    ];
    for (const [p, spec, message] of cases) {
      const url = fx.route(p, spec);
      await expectPage(srv, url, 400, 'Invalid Client', message);
      assert.equal(fx.count(p), 1, p);
    }
    await sleep(100);
    assert.match(srv.stderr(), /cimd\.document_invalid[^\n]*\/bad\/mismatch\.json[^\n]*does not match the URL/);
  });

  it('a charset parameter and application/client-id+json are accepted', async () => {
    const a = fx.route('/ok/charset.json', { body: documentFor(fx.url('/ok/charset.json')),
      headers: { 'content-type': 'application/json; charset=utf-8' } });
    const b = fx.route('/ok/cimd-type.json', { body: documentFor(fx.url('/ok/cimd-type.json')),
      headers: { 'content-type': 'application/client-id+json' } });
    await expectAccepted(srv, a);
    await expectAccepted(srv, b);
  });

  it('3xx is a failure and its Location is never fetched', async () => {
    fx.route('/moved/target.json', { body: documentFor(fx.url('/moved/from.json')) });
    const url = fx.route('/moved/from.json', { status: 302, headers: { location: fx.url('/moved/target.json') }, body: '' });
    await expectPage(srv, url, 400, 'Invalid Client',
      'The client metadata document could not be fetched: the server answered with a redirect (HTTP 302), which is not followed.');
    assert.equal(fx.count('/moved/from.json'), 1);
    assert.equal(fx.count('/moved/target.json'), 0);
  });

  it('timeout: a server that never answers fails after cimd.fetch_timeout (2 s)', async () => {
    const url = fx.route('/slow/hang.json', { hang: true });
    const t0 = Date.now();
    await expectPage(srv, url, 400, 'Invalid Client', 'The client metadata document could not be fetched: the request timed out.');
    const took = Date.now() - t0;
    assert.ok(took >= 1500 && took < 8000, `took ${took} ms`);
    await sleep(100);
    assert.match(srv.stderr(), /cimd\.fetch_failed[^\n]*\/slow\/hang\.json[^\n]*timeout/, 'a structured log line says why');
  });

  it('URL shape: origin only, trailing slash only, fragment, userinfo, dot segments, too long, http', async () => {
    const before = fx.requests.length;
    const origin = fx.url('');
    const cases = [
      [origin, 'The client_id URL must have a path (an origin alone is not a client).'],
      [`${origin}/`, 'The client_id URL must have a path (an origin alone is not a client).'],
      [`${origin}/c.json#frag`, 'The client_id URL must not contain a fragment.'],
      [`https://user@127.0.0.1:${fx.port}/c.json`, 'The client_id URL must not contain user information.'],
      [`${origin}/a/../c.json`, 'The client_id URL must not contain dot segments.'],
      [`${origin}/${'a'.repeat(2100)}`, 'The client_id URL is longer than 2048 characters.'],
      [`http://127.0.0.1:${fx.port}/c.json`, 'The client_id URL must use https.'],
    ];
    for (const [id, message] of cases) await expectPage(srv, id, 400, 'Invalid Client', message);
    assert.equal(fx.requests.length, before, 'nothing fetched');
  });

  it('cache: a second authorize within max-age does not refetch; no-store is kept for the 60 s floor', async () => {
    const a = fx.route('/cache/max-age.json', { body: documentFor(fx.url('/cache/max-age.json')), headers: { 'cache-control': 'max-age=300' } });
    const b = fx.route('/cache/no-store.json', { body: documentFor(fx.url('/cache/no-store.json')), headers: { 'cache-control': 'no-store' } });
    for (const url of [a, b]) {
      await expectAccepted(srv, url);
      await expectAccepted(srv, url);
    }
    assert.equal(fx.count('/cache/max-age.json'), 1);
    assert.equal(fx.count('/cache/no-store.json'), 1);
  });

  it('negative cache: a failing URL is fetched once for two quick authorizes', async () => {
    const url = fx.route('/neg/missing.json', { status: 500, body: 'oops' });
    const message = 'The client metadata document could not be fetched: the server answered HTTP 500.';
    await expectPage(srv, url, 400, 'Invalid Client', message);
    fx.route('/neg/missing.json', { body: documentFor(url) });  // fixed now, but the failure is cached for 30 s
    await expectPage(srv, url, 400, 'Invalid Client', message);
    assert.equal(fx.count('/neg/missing.json'), 1);
  });

  it('single flight: 8 concurrent authorizes for one URL share one fetch', async () => {
    const url = fx.route('/flight/one.json', { body: documentFor(fx.url('/flight/one.json')), delayMs: 1500 });
    const results = await Promise.all(Array.from({ length: 8 }, () => http(authorizeUrl(srv, url))));
    for (const r of results) {
      assert.equal(r.status, 303, r.text.slice(0, 300));
      assert.match(r.headers.get('location'), /^\/login\?redirect=/);
    }
    assert.equal(fx.count('/flight/one.json'), 1);
  });

  it('concurrency cap: 16 URLs in flight, the 17th gets 503 Temporarily Unavailable with Retry-After', async () => {
    const urls = Array.from({ length: 17 }, (_, i) => fx.route(`/cap/${i}.json`, { hang: true }));
    const results = await Promise.all(urls.map((u) => http(authorizeUrl(srv, u))));
    const busy = results.filter((r) => r.status === 503);
    const timedOut = results.filter((r) => r.status === 400);
    assert.equal(busy.length, 1, results.map((r) => r.status).join());
    assert.equal(timedOut.length, 16);
    assert.equal(busy[0].headers.get('retry-after'), '5');
    assert.ok(busy[0].text.includes('<h1>Temporarily Unavailable</h1>'));
    assert.ok(busy[0].text.includes(
      '<p class="error">Too many client metadata documents are being fetched right now. Please try again shortly.</p>'));
    for (const r of timedOut) assert.ok(r.text.includes('the request timed out.'));
  });
});

describe('CIMD: SSRF guard with cimd.allow_private_addresses=false', () => {
  it('loopback, localhost, link-local, private and mapped addresses are refused without a connection', async (t) => {
    const fx = await startHttpsFixture({ t });
    fx.route('/doc.json', { body: documentFor(fx.url('/doc.json')) });
    const srv = await cimdServer(t, fx, { AUTHPLANE_CIMD_ALLOW_PRIVATE_ADDRESSES: 'false' });
    const message = 'The client metadata document URL points to an address this server does not fetch from.';
    for (const id of [fx.url('/doc.json'), fx.localhostUrl('/doc.json'), 'https://169.254.169.254/latest/meta-data.json',
      'https://10.0.0.1/doc.json', `https://[::1]:${fx.port}/doc.json`, `https://[::ffff:127.0.0.1]:${fx.port}/doc.json`,
      'https://192.168.1.1/doc.json']) {
      const t0 = Date.now();
      await expectPage(srv, id, 400, 'Invalid Client', message);
      // Refused before any connection: no wait for the 2 s fetch timeout.
      assert.ok(Date.now() - t0 < 1900, `${id} answered without waiting for a connection`);
    }
    assert.equal(fx.requests.length, 0, 'the fixture was never contacted');
  });
});

describe('CIMD: not served', () => {
  for (const [name, env] of [['cimd.enabled=false', { AUTHPLANE_CIMD_ENABLED: 'false' }],
    ['dcr.mode=admin_only', { AUTHPLANE_DCR_MODE: 'admin_only' }]]) {
    it(`${name}: Invalid Client page, no fetch, no metadata flag`, async (t) => {
      const fx = await startHttpsFixture({ t });
      const url = fx.route('/doc.json', { body: documentFor(fx.url('/doc.json')) });
      const srv = await cimdServer(t, fx, env);
      await expectPage(srv, url, 400, 'Invalid Client', NOT_REGISTERED);
      assert.equal(fx.requests.length, 0);
      const meta = await srv.get('/.well-known/oauth-authorization-server');
      assert.equal(meta.status, 200);
      assert.equal('client_id_metadata_document_supported' in meta.json, false);
    });
  }
});

describe('CIMD: approved_redirects mode', () => {
  it('every document redirect URI must be approved', async (t) => {
    const fx = await startHttpsFixture({ t });
    const srv = await cimdServer(t, fx, { AUTHPLANE_DCR_MODE: 'approved_redirects', AUTHPLANE_DCR_APPROVED_REDIRECTS: REDIRECT });
    const bad = fx.route('/unapproved.json', { body: documentFor(fx.url('/unapproved.json'),
      { redirect_uris: [REDIRECT, 'https://app.example/cb'] }) });
    await expectPage(srv, bad, 400, 'Invalid Client', 'The client metadata document lists a redirect URI this server has not approved.');
    const good = fx.route('/approved.json', { body: documentFor(fx.url('/approved.json')) });
    await expectAccepted(srv, good);
  });
});

describe('CIMD: refetch after expiry', () => {
  it('with cimd.cache_ttl=5s the document is fetched again and the stored client updated', async (t) => {
    const fx = await startHttpsFixture({ t });
    const srv = await cimdServer(t, fx, { AUTHPLANE_CIMD_CACHE_TTL: '5s' });
    const url = fx.route('/rotating.json', { body: documentFor(fx.url('/rotating.json')), headers: { 'cache-control': 'max-age=3600' } });
    await expectAccepted(srv, url);
    fx.route('/rotating.json', { body: documentFor(url, { client_name: 'CIMD Notes v2', redirect_uris: [REDIRECT, 'https://app.example/cb'] }) });
    await expectPage(srv, url, 400, 'Invalid Redirect URI', undefined, { redirect_uri: 'https://app.example/cb' });
    assert.equal(fx.count('/rotating.json'), 1, 'cached: max-age is capped by cache_ttl, not exceeded');
    await sleep(5200);
    await expectAccepted(srv, url, { redirect_uri: 'https://app.example/cb' });
    assert.equal(fx.count('/rotating.json'), 2);
    const one = await srv.admin('GET', `/admin/clients/${encodeURIComponent(url)}`);
    assert.equal(one.status, 200, one.text);
    assert.equal(one.json.name, 'CIMD Notes v2');
    assert.deepEqual(one.json.redirect_uris, [REDIRECT, 'https://app.example/cb']);
    assert.equal(one.json.registration_source, 'cimd');
  });
});
