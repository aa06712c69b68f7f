// Small OAuth/JOSE helpers for the black-box tests: JWT decoding, wire-error assertions and
// hand-built DPoP proofs (built by hand so that tests can also forge malformed ones).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

export function b64u(buf) {
  return Buffer.from(buf).toString('base64url');
}

export function b64uJson(obj) {
  return b64u(Buffer.from(JSON.stringify(obj)));
}

/** Decodes a compact JWS without verifying it: {header, claims}. */
export function decodeJwt(token) {
  assert.equal(typeof token, 'string', 'token must be a string');
  const parts = token.split('.');
  assert.equal(parts.length, 3, `not a compact JWS: ${token.slice(0, 40)}…`);
  return {
    header: JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')),
    claims: JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')),
  };
}

/**
 * Asserts the public error envelope (reference §2.1): problem+json with error, error_description,
 * type, title, status, detail. Returns the body.
 */
export function assertOAuthError(r, status, error, { descIncludes, desc } = {}) {
  const ctx = `HTTP ${r.status} ${r.text?.slice(0, 400)}`;
  assert.equal(r.status, status, `status; got ${ctx}`);
  const ct = r.headers.get('content-type') ?? '';
  assert.match(ct, /^application\/problem\+json\b/i, `content-type; got "${ct}" (${ctx})`);
  assert.ok(r.json && typeof r.json === 'object', `JSON body; got ${ctx}`);
  const b = r.json;
  assert.equal(b.error, error, `error code; got ${ctx}`);
  assert.equal(typeof b.error_description, 'string', `error_description; got ${ctx}`);
  assert.equal(b.type, `https://docs.authplane.ai/errors/${error}`, `type; got ${ctx}`);
  assert.equal(typeof b.title, 'string', `title; got ${ctx}`);
  assert.ok(b.title.length > 0, `title non-empty; got ${ctx}`);
  assert.equal(b.status, status, `status field; got ${ctx}`);
  assert.equal(b.detail, b.error_description, `detail = error_description; got ${ctx}`);
  if (desc !== undefined) assert.equal(b.error_description, desc, `error_description; got ${ctx}`);
  if (descIncludes !== undefined) {
    for (const s of [].concat(descIncludes)) {
      assert.ok(b.error_description.includes(s), `error_description should mention "${s}"; got ${ctx}`);
    }
  }
  if (error === 'invalid_client' && status === 401) {
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="authserver"', `WWW-Authenticate; got ${ctx}`);
  }
  return b;
}

export function nowSec() {
  return Math.floor(Date.now() / 1000);
}

/** An EC P-256 / RSA key pair with its public JWK (what a DPoP client holds). */
export function dpopKey(kind = 'ES256') {
  let kp;
  if (kind === 'ES256') kp = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  else if (kind === 'RS256' || kind === 'PS256') kp = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  else throw new Error(`unsupported ${kind}`);
  const full = kp.publicKey.export({ format: 'jwk' });
  const pub = kind === 'ES256'
    ? { kty: full.kty, crv: full.crv, x: full.x, y: full.y }
    : { kty: full.kty, n: full.n, e: full.e };
  return { alg: kind, privateKey: kp.privateKey, publicKey: kp.publicKey, jwk: pub,
    privateJwk: kp.privateKey.export({ format: 'jwk' }) };
}

function signJws(alg, key, signingInput) {
  const data = Buffer.from(signingInput);
  switch (alg) {
    case 'ES256':
      return crypto.sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'RS256':
      return crypto.sign('sha256', data, key);
    case 'PS256':
      return crypto.sign('sha256', data, { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'HS256':
      return crypto.createHmac('sha256', key).update(data).digest();
    default:
      throw new Error(`alg ${alg}`);
  }
}

/** Signs an arbitrary JWS (header, payload) — used to forge proofs. */
export function signCompact(header, payload, key) {
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  return `${input}.${b64u(signJws(header.alg, key, input))}`;
}

/**
 * A DPoP proof JWT. opts override: htm, htu, iat, jti, nonce, ath, typ, alg, jwk (header), extraClaims,
 * hmacKey (for HS256 forgeries).
 */
export function dpopProof(key, opts = {}) {
  const header = {
    typ: opts.typ ?? 'dpop+jwt',
    alg: opts.alg ?? key.alg,
    jwk: opts.jwk ?? key.jwk,
  };
  const payload = {
    jti: opts.jti ?? crypto.randomBytes(16).toString('base64url'),
    htm: opts.htm ?? 'POST',
    htu: opts.htu,
    iat: opts.iat ?? nowSec(),
    ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}),
    ...(opts.ath !== undefined ? { ath: opts.ath } : {}),
    ...(opts.extraClaims ?? {}),
  };
  if (payload.htu === undefined) throw new Error('dpopProof: htu is required');
  const signingKey = header.alg === 'HS256' ? (opts.hmacKey ?? Buffer.from('0123456789abcdef0123456789abcdef')) : key.privateKey;
  return signCompact(header, payload, signingKey);
}

/** Asserts the at+jwt header and the claim set of a client_credentials token (reference §6). */
export function assertCcTokenClaims(token, { issuer, clientId, aud, scope, alg = 'ES256' }) {
  const { header, claims } = decodeJwt(token);
  assert.equal(header.alg, alg, 'header.alg');
  assert.equal(header.typ, 'at+jwt', 'header.typ');
  assert.equal(typeof header.kid, 'string', 'header.kid');
  assert.ok(header.kid.length > 0, 'header.kid non-empty');
  assert.equal(claims.iss, issuer, 'iss');
  assert.equal(claims.sub, clientId, 'sub = client_id');
  assert.deepEqual(claims.aud, [aud], 'aud = [resource]');
  assert.equal(claims.client_id, clientId, 'client_id');
  if (scope !== undefined) assert.equal(claims.scope, scope, 'scope');
  assert.equal(typeof claims.jti, 'string', 'jti');
  assert.equal(claims.jti.length, 22, `jti is 22 chars: ${claims.jti}`);
  assert.match(claims.jti, /^[A-Za-z0-9_-]{22}$/, 'jti base64url');
  assert.ok(Number.isInteger(claims.iat), 'iat integer');
  assert.ok(Math.abs(claims.iat - nowSec()) < 120, `iat near now: ${claims.iat}`);
  assert.equal(claims.nbf, claims.iat, 'nbf = iat');
  assert.equal(claims.exp, claims.iat + 3600, 'exp = iat + 3600');
  return { header, claims };
}

/** Asserts the success headers/body of a token response. */
export function assertTokenResponse(r, { tokenType = 'Bearer', scope } = {}) {
  const ctx = `HTTP ${r.status} ${r.text?.slice(0, 400)}`;
  assert.equal(r.status, 200, ctx);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/i, `content-type (${ctx})`);
  assert.equal(r.headers.get('cache-control'), 'no-store', 'Cache-Control');
  assert.equal(r.headers.get('pragma'), 'no-cache', 'Pragma');
  assert.equal(typeof r.json.access_token, 'string', ctx);
  assert.equal(r.json.token_type, tokenType, ctx);
  assert.equal(r.json.expires_in, 3600, ctx);
  assert.equal(r.json.refresh_token, undefined, 'no refresh token for client_credentials');
  if (scope !== undefined) assert.equal(r.json.scope, scope, ctx);
  return r.json;
}
