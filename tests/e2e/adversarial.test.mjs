// Adversarial probes: races, forged tokens, spoofed client IPs, odd encodings, bounds.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it, before } from 'node:test';
import { useAuthserver, sleep, http } from '../lib/server.mjs';
import { assertOAuthError, decodeJwt, dpopKey, dpopProof, b64uJson, b64u, nowSec } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

describe('adversarial: token endpoint and introspection', () => {
  const h = useAuthserver({ env: { AUTHPLANE_RATE_LIMIT_ENABLED: 'false' } });
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
    ctx.c = await h.srv.createClient({ scope: 'mcp:echo mcp:admin' });
    ctx.auth = [ctx.c.client_id, ctx.c.client_secret];
  });

  it('the same DPoP proof sent 20× concurrently is accepted exactly once', async () => {
    const key = dpopKey('ES256');
    const proof = dpopProof(key, { htu: `${h.srv.issuer}/oauth/token` });
    const rs = await Promise.all(Array.from({ length: 20 }, () => h.srv.tokenRequest(
      { grant_type: 'client_credentials', resource: URI }, { basic: ctx.auth, headers: { DPoP: proof } })));
    const ok = rs.filter((r) => r.status === 200).length;
    const replay = rs.filter((r) => r.status === 400 && r.json?.error === 'invalid_dpop_proof').length;
    assert.equal(ok, 1, `accepted ${ok}× (statuses ${rs.map((r) => r.status)})`);
    assert.equal(replay, 19);
  });

  it('alg "none" token with a valid claim set → inactive', async () => {
    const real = (await h.srv.issueToken(ctx.c, { resource: URI })).access_token;
    const { header, claims } = decodeJwt(real);
    const forged = `${b64uJson({ ...header, alg: 'none' })}.${b64uJson({ ...claims, jti: crypto.randomBytes(16).toString('base64url') })}.`;
    const r = await h.srv.introspect(forged, ctx.auth);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { active: false });
  });

  it('HS256 token MACed with the server public key (alg confusion) → inactive', async () => {
    const real = (await h.srv.issueToken(ctx.c, { resource: URI })).access_token;
    const { header, claims } = decodeJwt(real);
    const jwks = (await h.srv.get('/.well-known/jwks.json')).json;
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    const pem = crypto.createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    for (const secret of [pem, JSON.stringify(jwk)]) {
      const input = `${b64uJson({ ...header, alg: 'HS256' })}.${b64uJson(claims)}`;
      const forged = `${input}.${b64u(crypto.createHmac('sha256', secret).update(input).digest())}`;
      const r = await h.srv.introspect(forged, ctx.auth);
      assert.deepEqual(r.json, { active: false });
    }
  });

  it('token signed by an unknown key under the server kid → inactive', async () => {
    // A token signed by a key the server does not know, claiming the server's kid.
    const real = (await h.srv.issueToken(ctx.c, { resource: URI })).access_token;
    const { header, claims } = decodeJwt(real);
    const other = dpopKey('ES256');
    const input = `${b64uJson(header)}.${b64uJson({ ...claims, jti: crypto.randomBytes(16).toString('base64url') })}`;
    const sig = crypto.sign('sha256', Buffer.from(input), { key: other.privateKey, dsaEncoding: 'ieee-p1363' });
    const r = await h.srv.introspect(`${input}.${b64u(sig)}`, ctx.auth);
    assert.deepEqual(r.json, { active: false });
  });

  it('scope edge cases: duplicates collapse or are refused, unknown scope refused, tab separator not smuggled', async () => {
    const dup = await h.srv.tokenRequest({ grant_type: 'client_credentials', scope: 'mcp:echo mcp:echo' }, { basic: ctx.auth });
    assert.ok(dup.status === 200 || dup.status === 400, dup.text);
    if (dup.status === 200) assert.equal(dup.json.scope, 'mcp:echo');
    const unknown = await h.srv.tokenRequest({ grant_type: 'client_credentials', scope: 'mcp:nope' }, { basic: ctx.auth });
    assertOAuthError(unknown, 400, 'invalid_scope');
    const tricky = await h.srv.tokenRequest({ grant_type: 'client_credentials', scope: 'mcp:echo\tmcp:admin' }, { basic: ctx.auth });
    assert.ok(tricky.status === 400 || (tricky.status === 200 && !tricky.json.scope.includes('\t')), tricky.text);
  });

  it('two resource parameters → 400 (one audience per token)', async () => {
    const r = await h.srv.tokenRequest({}, { basic: ctx.auth,
      rawBody: `grant_type=client_credentials&resource=${encodeURIComponent(URI)}&resource=${encodeURIComponent('http://127.0.0.1:8081/x')}` });
    assert.equal(r.status, 400, r.text);
    assert.ok(['invalid_request', 'invalid_target'].includes(r.json?.error), r.text);
  });

  it('invalid UTF-8 / percent-encoding in the form → 400, not 500', async () => {
    for (const body of ['grant_type=client_credentials&scope=%ff%fe', 'grant_type=%zz', 'grant_type=client_credentials&scope=%']) {
      const r = await h.srv.tokenRequest({}, { basic: ctx.auth, rawBody: body });
      assert.ok(r.status === 400, `${body}: ${r.status} ${r.text}`);
    }
  });

  it('5 000 form parameters (< 64 KiB) → 4xx, no crash', async () => {
    const body = 'grant_type=client_credentials&' + Array.from({ length: 5000 }, (_, i) => `p${i}=x`).join('&');
    assert.ok(body.length < 64 * 1024);
    const r = await h.srv.tokenRequest({}, { basic: ctx.auth, rawBody: body });
    assert.ok(r.status === 200 || (r.status >= 400 && r.status < 500), `${r.status} ${r.text.slice(0, 200)}`);
    assert.equal((await h.srv.get('/livez')).status, 200);
  });

  it('2 KB client_id / secret in Basic → 401 invalid_client; 20 KB → 401 or 431', async () => {
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: ['x'.repeat(2_000), 'y'.repeat(2_000)] });
    assertOAuthError(r, 401, 'invalid_client');
    const big = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: ['x'.repeat(10_000), 'y'.repeat(10_000)] });
    assert.ok(big.status === 401 || big.status === 431, `${big.status} ${big.text}`);
  });

  it('client_id with SQL/JSON metacharacters → 401 invalid_client', async () => {
    for (const id of ["' OR '1'='1", '"}{', '../../etc/passwd', '%00', 'a\u0000b']) {
      const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', client_id: id, client_secret: 'x' });
      assertOAuthError(r, 401, 'invalid_client');
    }
  });

  it('introspection with a misleading token_type_hint still answers correctly', async () => {
    const t = (await h.srv.issueToken(ctx.c)).access_token;
    const r = await h.srv.introspect(t, ctx.auth, { token_type_hint: 'refresh_token' });
    assert.equal(r.json.active, true, r.text);
  });

  it('concurrent revocation and introspection: once revoke returns, the token is inactive', async () => {
    const toks = await Promise.all(Array.from({ length: 20 }, () => h.srv.issueToken(ctx.c)));
    await Promise.all(toks.map((t) => h.srv.revoke(t.access_token, ctx.auth)));
    const rs = await Promise.all(toks.map((t) => h.srv.introspect(t.access_token, ctx.auth)));
    assert.ok(rs.every((r) => r.json?.active === false), rs.map((r) => r.text).join(' '));
  });
});

describe('adversarial: expiry', () => {
  const h = useAuthserver({ env: { AUTHPLANE_CLIENT_CREDENTIALS_TOKEN_EXPIRY: '1s' } });

  it('an expired token introspects inactive (after exp + 30 s skew)', { timeout: 60_000 }, async () => {
    const c = await h.srv.createClient({ scope: 'mcp:echo' });
    const tok = await h.srv.issueToken(c);
    assert.equal(tok.expires_in, 1);
    const { claims } = decodeJwt(tok.access_token);
    assert.equal(claims.exp, claims.iat + 1);
    await sleep(33_000);
    const r = await h.srv.introspect(tok.access_token, [c.client_id, c.client_secret]);
    assert.deepEqual(r.json, { active: false });
  });
});

describe('adversarial: rate limiting cannot be bypassed with X-Forwarded-For', () => {
  const h = useAuthserver({ env: { AUTHPLANE_RATE_LIMIT_RPS: '2', AUTHPLANE_RATE_LIMIT_BURST: '3' } });

  it('spoofed client IP headers do not create fresh buckets', async () => {
    await sleep(1500);
    const statuses = [];
    for (let i = 0; i < 10; i++) {
      const r = await http(`${h.srv.issuer}/.well-known/jwks.json`, {
        headers: { 'x-forwarded-for': `10.0.0.${i + 1}`, 'x-real-ip': `10.0.1.${i + 1}`, forwarded: `for=10.0.2.${i + 1}` },
      });
      statuses.push(r.status);
    }
    assert.ok(statuses.filter((s) => s === 429).length >= 5, `statuses: ${statuses}`);
  });
});

describe('adversarial: admin API bounds', () => {
  const h = useAuthserver();

  it('JSON body over 1 MB → 413 or 400', async () => {
    const big = JSON.stringify({ client_name: 'x'.repeat(1_100_000), grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'a' });
    let status;
    try { status = (await h.srv.admin('POST', '/admin/clients', big)).status; } catch (e) { status = `conn: ${e.cause?.code ?? e.message}`; }
    assert.ok(status === 413 || status === 400 || String(status).startsWith('conn'), `status ${status}`);
    assert.equal((await h.srv.admin('GET', '/admin/stats')).status, 200);
  });

  it('client_name over 255 chars, unknown grant type, bad auth method → 400', async () => {
    const base = { client_name: 'ok', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic', scope: 'a' };
    for (const patch of [{ client_name: 'n'.repeat(300) }, { grant_types: ['password'] }, { token_endpoint_auth_method: 'private_key_jwt_nope' }, { grant_types: 'client_credentials' }, { scope: 42 }]) {
      const r = await h.srv.admin('POST', '/admin/clients', { ...base, ...patch });
      assert.equal(r.status, 400, `${JSON.stringify(patch).slice(0, 60)}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  it('audit query bounds: since older than 30 days, malformed since, offset > 100000 → 400', async () => {
    const old = new Date(Date.now() - 31 * 86400_000).toISOString();
    for (const q of [`since=${encodeURIComponent(old)}`, 'since=yesterday', 'offset=100001', 'limit=-1', 'limit=abc']) {
      const r = await h.srv.admin('GET', `/admin/audit?${q}`);
      assert.equal(r.status, 400, `${q}: ${r.status} ${r.text.slice(0, 200)}`);
    }
  });

  it('path parameter over 256 chars → 4xx, never 500', async () => {
    const r = await h.srv.admin('GET', `/admin/clients/${'a'.repeat(300)}`);
    assert.ok(r.status === 400 || r.status === 404, `${r.status} ${r.text.slice(0, 200)}`);
  });

  it('PATCH client scope narrows the ceiling for the next token', async () => {
    const c = await h.srv.createClient({ scope: 'a b' });
    const p = await h.srv.admin('PATCH', `/admin/clients/${c.client_id}`, { scope: 'a' });
    assert.equal(p.status, 200, p.text);
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', scope: 'b' }, { basic: [c.client_id, c.client_secret] });
    assertOAuthError(r, 400, 'invalid_scope');
    const ok = await h.srv.issueToken(c);
    assert.equal(ok.scope, 'a');
  });

  it('revoked client cannot be reactivated (409) and cannot get tokens', async () => {
    const c = await h.srv.createClient({ scope: 'a' });
    const r = await h.srv.admin('PATCH', `/admin/clients/${c.client_id}/revoke`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'revoked');
    assert.equal((await h.srv.admin('PATCH', `/admin/clients/${c.client_id}/reactivate`)).status, 409);
    const t = await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: [c.client_id, c.client_secret] });
    assertOAuthError(t, 401, 'invalid_client');
  });
});
