// AS metadata (RFC 8414) at both well-known paths, compared with golden files for key order and values;
// health endpoints; JWKS shape per signing algorithm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAuthserver, useAuthserver } from '../lib/server.mjs';
import { loadGolden } from '../lib/golden.mjs';

async function fetchMetadata(srv, which = 'oauth-authorization-server') {
  const r = await srv.get(`/.well-known/${which}`);
  assert.equal(r.status, 200, `GET /.well-known/${which}: ${r.status} ${r.text}`);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/i);
  return r;
}

function assertMatchesGolden(actual, golden, { unorderedArrays = [] } = {}) {
  assert.deepEqual(Object.keys(actual), Object.keys(golden), 'metadata key order');
  for (const k of Object.keys(golden)) {
    if (unorderedArrays.includes(k)) {
      assert.deepEqual([...actual[k]].sort(), [...golden[k]].sort(), `value of ${k} (as a set)`);
    } else {
      assert.deepEqual(actual[k], golden[k], `value of ${k}`);
    }
  }
}

describe('health endpoints', () => {
  const h = useAuthserver();

  it('GET /livez → 200', async () => {
    const r = await h.srv.get('/livez');
    assert.equal(r.status, 200);
  });

  it('GET /health → 200 {status:"ok", time, db:"ok"}', async () => {
    const r = await h.srv.get('/health');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ok');
    assert.equal(r.json.db, 'ok');
    assert.equal(typeof r.json.time, 'string');
    assert.ok(!Number.isNaN(Date.parse(r.json.time)), `time is RFC 3339: ${r.json.time}`);
  });

  it('GET /ready → 200 {status:"ready"}', async () => {
    const r = await h.srv.get('/ready');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'ready');
  });

  it('unknown public path → 404', async () => {
    const r = await h.srv.get('/definitely-not-a-route');
    assert.equal(r.status, 404);
  });

  it('security headers on public responses', async () => {
    const r = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
  });
});

describe('AS metadata, default configuration', () => {
  const h = useAuthserver();

  it('oauth-authorization-server matches golden as_metadata_default.json (key order + values)', async () => {
    const r = await fetchMetadata(h.srv);
    assert.equal(r.headers.get('cache-control'), 'public, max-age=3600');
    assertMatchesGolden(r.json, loadGolden('as_metadata_default.json', { ISSUER: h.srv.issuer }));
    assert.equal(r.json.scopes_supported, undefined, 'scopes_supported absent when no resources');
  });

  it('openid-configuration serves the identical document', async () => {
    const a = await fetchMetadata(h.srv, 'oauth-authorization-server');
    const b = await fetchMetadata(h.srv, 'openid-configuration');
    assert.equal(b.headers.get('cache-control'), 'public, max-age=3600');
    assert.deepEqual(Object.keys(b.json), Object.keys(a.json));
    assert.deepEqual(b.json, a.json);
    assert.equal(b.text, a.text, 'byte-identical bodies');
  });

  it('does not advertise token exchange / jwt-bearer (not implemented in this build)', async () => {
    const r = await fetchMetadata(h.srv);
    assert.ok(!r.json.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:token-exchange'));
    assert.ok(!r.json.grant_types_supported.includes('urn:ietf:params:oauth:grant-type:jwt-bearer'));
  });

  it('scopes_supported = union of registered resource scopes, in its golden position', async () => {
    await h.srv.createResource({ slug: 'meta-a', uri: 'http://127.0.0.1:8080/mcp', scopes: ['mcp:echo', 'mcp:admin'] });
    await h.srv.createResource({ slug: 'meta-b', uri: 'http://127.0.0.1:8081/files', scopes: ['mcp:echo', 'files:read'] });
    const r = await fetchMetadata(h.srv);
    assertMatchesGolden(r.json, loadGolden('as_metadata_with_scopes.json', { ISSUER: h.srv.issuer }),
      { unorderedArrays: ['scopes_supported'] });
    assert.equal(new Set(r.json.scopes_supported).size, r.json.scopes_supported.length, 'de-duplicated');
    const oidc = await fetchMetadata(h.srv, 'openid-configuration');
    assert.deepEqual(oidc.json, r.json);
  });
});

describe('AS metadata with DPoP and client_credentials disabled', () => {
  const h = useAuthserver({ env: { AUTHPLANE_DPOP_ENABLED: 'false', AUTHPLANE_CLIENT_CREDENTIALS_ENABLED: 'false' } });

  it('matches golden as_metadata_dpop_cc_off.json', async () => {
    const r = await fetchMetadata(h.srv);
    assertMatchesGolden(r.json, loadGolden('as_metadata_dpop_cc_off.json', { ISSUER: h.srv.issuer }));
    assert.equal(r.json.dpop_signing_alg_values_supported, undefined);
  });

  it('client_credentials grant is refused with unsupported_grant_type naming the config key', async () => {
    // Creating a client_credentials client may itself be refused while the grant is disabled;
    // either way the token endpoint must refuse the grant.
    const r = await h.srv.tokenRequest({ grant_type: 'client_credentials', client_id: 'x', client_secret: 'y' });
    assert.ok([400, 401].includes(r.status), `status ${r.status} ${r.text}`);
    if (r.status === 400) {
      assert.equal(r.json.error, 'unsupported_grant_type', r.text);
      assert.ok(r.json.error_description.includes('client_credentials'), r.text);
    } else {
      assert.equal(r.json.error, 'invalid_client', r.text);
    }
  });
});

describe('JWKS', () => {
  for (const [alg, expect] of [
    ['ES256', { kty: 'EC', crv: 'P-256', fields: ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use'] }],
    ['RS256', { kty: 'RSA', fields: ['kty', 'n', 'e', 'kid', 'alg', 'use'] }],
    ['EdDSA', { kty: 'OKP', crv: 'Ed25519', fields: ['kty', 'crv', 'x', 'kid', 'alg', 'use'] }],
  ]) {
    it(`${alg} server publishes one ${expect.kty} public key, alg ${alg}, use sig`, async (t) => {
      const env = alg === 'ES256' ? {} : { AUTHPLANE_SIGNING_ALGORITHM: alg };
      const srv = await startAuthserver({ t, env });
      const r = await srv.get('/.well-known/jwks.json');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.headers.get('cache-control'), 'public, max-age=3600');
      assert.ok(Array.isArray(r.json.keys), r.text);
      assert.equal(r.json.keys.length, 1, r.text);
      const k = r.json.keys[0];
      assert.equal(k.kty, expect.kty);
      if (expect.crv) assert.equal(k.crv, expect.crv);
      assert.equal(k.alg, alg);
      assert.equal(k.use, 'sig');
      assert.equal(typeof k.kid, 'string');
      assert.ok(k.kid.length > 0);
      for (const f of expect.fields) assert.ok(k[f] !== undefined, `field ${f} present`);
      for (const priv of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(k[priv], undefined, `no private member ${priv}`);
      if (alg === 'RS256') {
        assert.ok(Buffer.from(k.n, 'base64url').length >= 256, 'RSA modulus ≥ 2048 bits');
      }
      // A token issued by this server is signed with the published key.
      await srv.createResource({ slug: 'jwks-r', uri: 'http://127.0.0.1:8080/mcp', scopes: ['mcp:echo'] });
      const c = await srv.createClient({ scope: 'mcp:echo' });
      const tok = await srv.issueToken(c, { resource: 'http://127.0.0.1:8080/mcp' });
      const header = JSON.parse(Buffer.from(tok.access_token.split('.')[0], 'base64url'));
      assert.equal(header.alg, alg);
      assert.equal(header.kid, k.kid);
      assert.equal(header.typ, 'at+jwt');
    });
  }
});
