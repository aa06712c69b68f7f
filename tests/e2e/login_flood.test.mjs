// Sign-in is deliberately costly (Argon2id, 64 MiB, tens of ms) and runs on a bounded password
// lane, not on the HTTP I/O threads. Through the real binary:
//   - a flood of 200 concurrent bad logins (distinct unknown emails, each one an Argon2id
//     verification against the dummy hash) does not starve POST /oauth/token: every token
//     request made during the flood succeeds, with p99 under 500 ms;
//   - every flood response is exactly 422 (the generic failure page) or 503 (lane full: the
//     sign-in page again with a "busy" message, Retry-After: 1), and the lane's bound shows
//     (some 503, or all 422 if the host was fast enough to drain it);
//   - lockout stays exact with concurrent guesses: N concurrent wrong passwords for one account
//     hash at most auth_fail_max (+ workers − 1) times, the rest get 429 with Retry-After;
//   - the server stays healthy and a real sign-in works right after.
import assert from 'node:assert/strict';
import os from 'node:os';
import { describe, it } from 'node:test';
import { basicAuth, useAuthserver } from '../lib/server.mjs';
import { hidden } from '../lib/browser.mjs';

const PW = 'e2e-Passw0rd-123';
const FAIL_MAX = 5;
const FLOOD = 200;
// The lane's worker count (services::password_lane::default_workers): min(2, cores − 1), ≥ 1.
const WORKERS = Math.min(2, Math.max(1, (os.availableParallelism?.() ?? os.cpus().length) - 1));

function p99(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(0.99 * s.length) - 1)];
}

describe('login flood: bounded password lane', () => {
  const h = useAuthserver({ env: { AUTHPLANE_RATE_LIMIT_ENABLED: 'false', AUTHPLANE_RATE_LIMIT_AUTH_FAIL_MAX: String(FAIL_MAX) } });

  /** One sign-in form: its nonce cookie and CSRF token (valid for many POSTs). */
  async function loginForm() {
    const r = await fetch(`${h.srv.issuer}/login`);
    const text = await r.text();
    assert.equal(r.status, 200);
    const nonce = r.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => !c.endsWith('='));
    assert.ok(nonce, 'login nonce cookie');
    return { cookie: nonce, csrf: hidden(text, 'csrf_token') };
  }
  async function postLogin({ cookie, csrf }, email, password) {
    const r = await fetch(`${h.srv.issuer}/login`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ email, password, csrf_token: csrf, redirect: '/' }).toString(),
    });
    return { status: r.status, retryAfter: r.headers.get('retry-after'), location: r.headers.get('location'),
      type: r.headers.get('content-type'), cacheControl: r.headers.get('cache-control'), text: await r.text() };
  }

  it('concurrent wrong passwords for one account: exactly auth_fail_max hashes, then 429 + Retry-After', async () => {
    await h.srv.admin('POST', '/admin/users', { email: 'victim@example.com', password: PW });
    const form = await loginForm();
    const N = 30; // below the lane's queue bound: none is refused with 503
    const rs = await Promise.all(Array.from({ length: N }, () => postLogin(form, 'victim@example.com', 'wrong-guess')));
    const failed = rs.filter((r) => r.status === 422);
    const locked = rs.filter((r) => r.status === 429);
    assert.equal(failed.length + locked.length, N, JSON.stringify(rs.map((r) => r.status)));
    assert.ok(failed.length >= FAIL_MAX && failed.length <= FAIL_MAX + WORKERS - 1,
      `${failed.length} guesses were checked (auth_fail_max ${FAIL_MAX}, ${WORKERS} lane worker(s))`);
    for (const r of failed) {
      assert.equal(r.retryAfter, null);
      assert.match(r.text, /Invalid email or password/);
    }
    for (const r of locked) {
      const wait = Number(r.retryAfter);
      assert.ok(Number.isInteger(wait) && wait >= 1 && wait <= 900, `Retry-After ${r.retryAfter}`);
      assert.match(r.text, /Too many failed attempts/);
    }
    // Locked: even the right password is refused before any hashing.
    const right = await postLogin(await loginForm(), 'Victim@Example.com', PW);
    assert.equal(right.status, 429);
  });

  it(`${FLOOD} concurrent bad logins do not starve /oauth/token; every login answer is 422 or 503 + Retry-After: 1`, async (t) => {
    await h.srv.createResource({ slug: 'flood', uri: 'https://flood.example/mcp', scopes: ['mcp:echo'] });
    const client = await h.srv.createClient({ scope: 'mcp:echo' });
    await h.srv.admin('POST', '/admin/users', { email: 'real@example.com', password: PW });
    const tokenRequest = async () => {
      const t0 = performance.now();
      const r = await fetch(`${h.srv.issuer}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basicAuth(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp:echo', resource: 'https://flood.example/mcp' }).toString(),
      });
      const text = await r.text();
      return { status: r.status, ms: performance.now() - t0, text };
    };
    assert.equal((await tokenRequest()).status, 200); // warm: client cache, key

    const form = await loginForm();
    let flooding = true;
    const flood = Promise.all(Array.from({ length: FLOOD }, (_, i) => postLogin(form, `nobody-${i}@flood.example`, 'not-the-password')))
      .finally(() => { flooding = false; });
    // Four closed-loop token clients for as long as the flood lasts (at least 10 requests each).
    const tokenLoops = Array.from({ length: 4 }, async () => {
      const out = [];
      while (flooding || out.length < 10) out.push(await tokenRequest());
      return out;
    });
    const logins = await flood;
    const tokens = (await Promise.all(tokenLoops)).flat();

    // The token endpoint kept answering, fast.
    for (const t of tokens) assert.equal(t.status, 200, t.text);
    const tp99 = p99(tokens.map((t) => t.ms));
    assert.ok(tp99 < 500, `token p99 ${tp99.toFixed(1)} ms during the login flood (${tokens.length} requests)`);

    // Every login answer is exactly one of the two expected pages.
    const counts = { 422: 0, 503: 0 };
    for (const r of logins) {
      assert.ok(r.status === 422 || r.status === 503, `login answered ${r.status}`);
      counts[r.status]++;
      assert.match(r.type, /^text\/html/);
      assert.equal(r.cacheControl, 'no-store');
      assert.equal(r.location, null);
      if (r.status === 422) {
        assert.equal(r.retryAfter, null);
        assert.match(r.text, /Invalid email or password/);
      } else {
        assert.equal(r.retryAfter, '1');
        assert.match(r.text, /The server is busy\. Please try again in a moment\./);
        assert.ok(hidden(r.text, 'csrf_token'), 'the busy page is the sign-in form again');
      }
    }
    assert.equal(counts[422] + counts[503], FLOOD);
    // The lane holds at most workers + 64 attempts; beyond that they are refused, not queued.
    assert.ok(counts[503] > 0 || counts[422] === FLOOD, JSON.stringify(counts));
    t.diagnostic(`logins: ${counts[422]}×422 ${counts[503]}×503; tokens during the flood: ${tokens.length}, p99 ${tp99.toFixed(1)} ms`);

    // Still healthy, and a real sign-in works once the flood is over.
    assert.equal((await h.srv.get('/livez')).status, 200);
    const ok = await postLogin(await loginForm(), 'real@example.com', PW);
    assert.equal(ok.status, 303, ok.text);
    assert.equal(ok.location, '/');
  });
});
