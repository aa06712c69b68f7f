// DPoP (RFC 9449) at the token endpoint on client_credentials (reference §4.6).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import httpMod from 'node:http';
import { describe, it, before } from 'node:test';
import { calculateJwkThumbprint } from 'jose';
import { useAuthserver, basicAuth } from '../lib/server.mjs';
import { assertOAuthError, assertTokenResponse, assertCcTokenClaims, decodeJwt, dpopKey, dpopProof, nowSec, signCompact } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

describe('DPoP-bound client_credentials tokens', () => {
  const h = useAuthserver();
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    ctx.c = await h.srv.createClient({ scope: 'mcp:echo' });
    ctx.htu = `${h.srv.issuer}/oauth/token`;
    ctx.key = dpopKey('ES256');
  });
  const request = (proof, extra = {}) => h.srv.tokenRequest({ grant_type: 'client_credentials', resource: URI, ...extra },
    { basic: [ctx.c.client_id, ctx.c.client_secret], headers: proof === undefined ? {} : { DPoP: proof } });

  for (const alg of ['ES256', 'RS256', 'PS256']) {
    it(`${alg} proof → 200 token_type DPoP with cnf.jkt = RFC 7638 thumbprint`, async () => {
      const key = alg === 'ES256' ? ctx.key : dpopKey(alg);
      const r = await request(dpopProof(key, { htu: ctx.htu }));
      assertTokenResponse(r, { tokenType: 'DPoP', scope: 'mcp:echo' });
      const { claims } = assertCcTokenClaims(r.json.access_token, { issuer: h.srv.issuer, clientId: ctx.c.client_id, aud: URI, scope: 'mcp:echo' });
      assert.deepEqual(claims.cnf, { jkt: await calculateJwkThumbprint(key.jwk, 'sha256') });

      const i = await h.srv.introspect(r.json.access_token, [ctx.c.client_id, ctx.c.client_secret]);
      assert.equal(i.status, 200, i.text);
      assert.equal(i.json.active, true, i.text);
      assert.equal(i.json.token_type, 'DPoP');
      assert.deepEqual(i.json.cnf, claims.cnf);
    });
  }

  it('no DPoP header → Bearer token without cnf', async () => {
    const r = await request(undefined);
    assertTokenResponse(r, { tokenType: 'Bearer' });
    assert.equal(decodeJwt(r.json.access_token).claims.cnf, undefined);
  });

  it('htu query and case-insensitive scheme/host are tolerated', async () => {
    const htu = ctx.htu.replace('http://', 'HTTP://') + '?x=1';
    const r = await request(dpopProof(ctx.key, { htu }));
    assertTokenResponse(r, { tokenType: 'DPoP' });
  });

  it('replayed proof (same jti) → 400 invalid_dpop_proof', async () => {
    const proof = dpopProof(ctx.key, { htu: ctx.htu });
    const first = await request(proof);
    assertTokenResponse(first, { tokenType: 'DPoP' });
    const second = await request(proof);
    assertOAuthError(second, 400, 'invalid_dpop_proof');
    // Same jti, fresh signature and iat: still a replay.
    const jti = crypto.randomBytes(12).toString('base64url');
    assertTokenResponse(await request(dpopProof(ctx.key, { htu: ctx.htu, jti })), { tokenType: 'DPoP' });
    assertOAuthError(await request(dpopProof(ctx.key, { htu: ctx.htu, jti, iat: nowSec() - 1 })), 400, 'invalid_dpop_proof');
  });

  const bad = {
    'wrong htu (other path)': () => dpopProof(ctx.key, { htu: `${h.srv.issuer}/oauth/introspect` }),
    'wrong htu (other host)': () => dpopProof(ctx.key, { htu: 'http://evil.example/oauth/token' }),
    'wrong htm (GET)': () => dpopProof(ctx.key, { htu: ctx.htu, htm: 'GET' }),
    'iat 10 minutes old': () => dpopProof(ctx.key, { htu: ctx.htu, iat: nowSec() - 600 }),
    'iat 10 minutes in the future': () => dpopProof(ctx.key, { htu: ctx.htu, iat: nowSec() + 600 }),
    'private key in jwk header': () => dpopProof(ctx.key, { htu: ctx.htu, jwk: ctx.key.privateJwk }),
    'HS256 (symmetric)': () => dpopProof(ctx.key, { htu: ctx.htu, alg: 'HS256', jwk: { kty: 'oct', k: Buffer.from('0123456789abcdef0123456789abcdef').toString('base64url') } }),
    'alg none': () => {
      const header = { typ: 'dpop+jwt', alg: 'none', jwk: ctx.key.jwk };
      const payload = { jti: crypto.randomUUID(), htm: 'POST', htu: ctx.htu, iat: nowSec() };
      return `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.`;
    },
    'wrong typ (JWT)': () => dpopProof(ctx.key, { htu: ctx.htu, typ: 'JWT' }),
    'missing jwk': () => signCompact({ typ: 'dpop+jwt', alg: 'ES256' }, { jti: 'abc', htm: 'POST', htu: ctx.htu, iat: nowSec() }, ctx.key.privateKey),
    'missing jti': () => signCompact({ typ: 'dpop+jwt', alg: 'ES256', jwk: ctx.key.jwk }, { htm: 'POST', htu: ctx.htu, iat: nowSec() }, ctx.key.privateKey),
    'signature by another key': () => dpopProof({ ...dpopKey('ES256'), jwk: ctx.key.jwk }, { htu: ctx.htu }),
    'alg/key mismatch (RS256 header, EC key)': () => dpopProof(ctx.key, { htu: ctx.htu, alg: 'RS256' }),
    'not a JWT': () => 'not-a-jwt',
    'RSA 1024-bit key': () => {
      const kp = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
      const j = kp.publicKey.export({ format: 'jwk' });
      return dpopProof({ alg: 'RS256', privateKey: kp.privateKey, jwk: { kty: 'RSA', n: j.n, e: j.e } }, { htu: ctx.htu });
    },
  };
  for (const [name, make] of Object.entries(bad)) {
    it(`${name} → 400 invalid_dpop_proof`, async () => {
      const r = await request(make());
      assertOAuthError(r, 400, 'invalid_dpop_proof');
    });
  }

  it('two DPoP header lines → 400 invalid_dpop_proof', async () => {
    const a = dpopProof(ctx.key, { htu: ctx.htu });
    const b = dpopProof(ctx.key, { htu: ctx.htu });
    const url = new URL(ctx.htu);
    const body = new URLSearchParams({ grant_type: 'client_credentials', resource: URI }).toString();
    const res = await new Promise((resolve, reject) => {
      const req = httpMod.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST' }, (resp) => {
        let data = '';
        resp.on('data', (d) => { data += d; });
        resp.on('end', () => resolve({ status: resp.statusCode, headers: new Headers(resp.headers), text: data }));
      });
      req.on('error', reject);
      req.setHeader('content-type', 'application/x-www-form-urlencoded');
      req.setHeader('authorization', basicAuth(ctx.c.client_id, ctx.c.client_secret));
      req.setHeader('DPoP', [a, b]); // two separate header lines
      req.end(body);
    });
    try { res.json = JSON.parse(res.text); } catch { res.json = undefined; }
    assertOAuthError(res, 400, 'invalid_dpop_proof');
  });
});

describe('DPoP with AUTHPLANE_DPOP_REQUIRE_NONCE=true', () => {
  const h = useAuthserver({ env: { AUTHPLANE_DPOP_REQUIRE_NONCE: 'true' } });
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    ctx.c = await h.srv.createClient({ scope: 'mcp:echo' });
    ctx.htu = `${h.srv.issuer}/oauth/token`;
    ctx.key = dpopKey('ES256');
  });
  const request = (proof) => h.srv.tokenRequest({ grant_type: 'client_credentials', resource: URI },
    { basic: [ctx.c.client_id, ctx.c.client_secret], headers: { DPoP: proof } });

  it('first try → 400 use_dpop_nonce with DPoP-Nonce; retry with the nonce → 200 DPoP', async () => {
    const r1 = await request(dpopProof(ctx.key, { htu: ctx.htu }));
    assertOAuthError(r1, 400, 'use_dpop_nonce');
    const nonce = r1.headers.get('dpop-nonce');
    assert.ok(nonce, 'DPoP-Nonce header present');
    // Nonces are opaque to clients (RFC 9449 §8); require a URL-safe value of at least 128 bits.
    assert.match(nonce, /^[A-Za-z0-9_-]{22,}$/, `nonce shape: ${nonce}`);
    const r2 = await request(dpopProof(ctx.key, { htu: ctx.htu, nonce }));
    assertTokenResponse(r2, { tokenType: 'DPoP' });
    assert.deepEqual(decodeJwt(r2.json.access_token).claims.cnf, { jkt: await calculateJwkThumbprint(ctx.key.jwk, 'sha256') });
  });

  it('made-up nonce → 400 use_dpop_nonce with a fresh DPoP-Nonce', async () => {
    const r = await request(dpopProof(ctx.key, { htu: ctx.htu, nonce: 'A'.repeat(43) }));
    assertOAuthError(r, 400, 'use_dpop_nonce');
    assert.ok(r.headers.get('dpop-nonce'));
  });

  it('no DPoP header → plain Bearer token (nonce only applies to proofs)', async () => {
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', resource: URI }, { basic: [ctx.c.client_id, ctx.c.client_secret] });
    assertTokenResponse(r, { tokenType: 'Bearer' });
    assert.equal(r.headers.get('dpop-nonce'), null, 'no nonce issued to requests without a DPoP header');
  });
});

describe('DPoP disabled', () => {
  const h = useAuthserver({ env: { AUTHPLANE_DPOP_ENABLED: 'false' } });
  it('DPoP header is ignored → Bearer token without cnf', async () => {
    const srv = h.srv;
    await srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    const c = await srv.createClient({ scope: 'mcp:echo' });
    const r = await srv.tokenRequest({ grant_type: 'client_credentials', resource: URI },
      { basic: [c.client_id, c.client_secret], headers: { DPoP: dpopProof(dpopKey('ES256'), { htu: `${srv.issuer}/oauth/token` }) } });
    assertTokenResponse(r, { tokenType: 'Bearer' });
    assert.equal(decodeJwt(r.json.access_token).claims.cnf, undefined);
  });
});
