// Interop with a strict third-party client library: oauth4webapi (panva).
// Discovery (strict issuer check), client_credentials with ClientSecretBasic / ClientSecretPost,
// DPoP-bound tokens incl. nonce retry, introspection, revocation.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import * as oauth from 'oauth4webapi';
import { calculateJwkThumbprint } from 'jose';
import { useAuthserver } from '../lib/server.mjs';
import { decodeJwt } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';
// The test servers run on http://127.0.0.1; oauth4webapi refuses plain http unless told otherwise.
const insecure = { [oauth.allowInsecureRequests]: true };

async function discover(issuer, algorithm) {
  const issuerUrl = new URL(issuer);
  const res = await oauth.discoveryRequest(issuerUrl, { ...insecure, algorithm });
  return oauth.processDiscoveryResponse(issuerUrl, res);
}

async function ccGrant(as, client, auth, params, opts = {}) {
  const res = await oauth.clientCredentialsGrantRequest(as, client, auth, params, { ...insecure, ...opts });
  return oauth.processClientCredentialsResponse(as, client, res);
}

describe('oauth4webapi interop', () => {
  const h = useAuthserver();
  const ctx = {};
  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'] });
    ctx.basic = await h.srv.createClient({ scope: 'mcp:echo mcp:admin' });
    ctx.post = await h.srv.createClient({ scope: 'mcp:echo', token_endpoint_auth_method: 'client_secret_post' });
  });

  it('discovery via RFC 8414 (oauth2) passes the strict issuer check', async () => {
    const as = await discover(h.srv.issuer, 'oauth2');
    assert.equal(as.issuer, h.srv.issuer);
    assert.equal(as.token_endpoint, `${h.srv.issuer}/oauth/token`);
    ctx.as = as;
  });

  it('discovery via OpenID Connect Discovery (oidc) passes the strict issuer check', async () => {
    const as = await discover(h.srv.issuer, 'oidc');
    assert.deepEqual(as, ctx.as);
  });

  it('discovery against a different expected issuer is rejected by the client', async () => {
    const other = new URL(h.srv.issuer.replace('127.0.0.1', 'localhost'));
    const res = await oauth.discoveryRequest(other, insecure);
    await assert.rejects(oauth.processDiscoveryResponse(other, res));
  });

  it('client_credentials with ClientSecretBasic + resource', async () => {
    const client = { client_id: ctx.basic.client_id };
    const tok = await ccGrant(ctx.as, client, oauth.ClientSecretBasic(ctx.basic.client_secret),
      new URLSearchParams({ scope: 'mcp:echo', resource: URI }));
    assert.equal(tok.token_type, 'bearer'); // oauth4webapi lower-cases token_type
    assert.equal(tok.expires_in, 3600);
    assert.equal(tok.scope, 'mcp:echo');
    const { claims } = decodeJwt(tok.access_token);
    assert.deepEqual(claims.aud, [URI]);
    assert.equal(claims.sub, ctx.basic.client_id);
    ctx.basicToken = tok.access_token;
  });

  it('client_credentials with ClientSecretPost + resource', async () => {
    const client = { client_id: ctx.post.client_id };
    const tok = await ccGrant(ctx.as, client, oauth.ClientSecretPost(ctx.post.client_secret),
      new URLSearchParams({ resource: URI }));
    assert.equal(tok.token_type, 'bearer');
    assert.deepEqual(decodeJwt(tok.access_token).claims.aud, [URI]);
  });

  it('a wrong secret surfaces as an OAuth error the library understands (invalid_client)', async () => {
    const client = { client_id: ctx.basic.client_id };
    const res = await oauth.clientCredentialsGrantRequest(ctx.as, client, oauth.ClientSecretBasic('wrong'), new URLSearchParams(), insecure);
    let err;
    try { await oauth.processClientCredentialsResponse(ctx.as, client, res); } catch (e) { err = e; }
    assert.ok(err, 'must throw');
    // 401 + WWW-Authenticate: Basic → WWWAuthenticateChallengeError; otherwise a ResponseBodyError.
    assert.ok(err instanceof oauth.WWWAuthenticateChallengeError || err instanceof oauth.ResponseBodyError, `${err?.constructor?.name}: ${err?.message}`);
    if (err instanceof oauth.WWWAuthenticateChallengeError) {
      assert.equal(err.cause[0].scheme, 'basic');
      assert.equal(err.status, 401);
    } else {
      assert.equal(err.error, 'invalid_client');
    }
  });

  it('a 400 error (invalid_scope) is parsed by the library as an OAuth error response (RFC 6749 §5.2)', async () => {
    const client = { client_id: ctx.post.client_id };
    const res = await oauth.clientCredentialsGrantRequest(ctx.as, client, oauth.ClientSecretPost(ctx.post.client_secret),
      new URLSearchParams({ scope: 'mcp:admin' }), insecure);
    let err;
    try { await oauth.processClientCredentialsResponse(ctx.as, client, res); } catch (e) { err = e; }
    assert.ok(err instanceof oauth.ResponseBodyError,
      `expected ResponseBodyError, got ${err?.constructor?.name}: ${err?.message} (content-type ${res.headers.get('content-type')})`);
    assert.equal(err.error, 'invalid_scope');
  });

  it('DPoP-bound token via oauth4webapi DPoP()', async () => {
    const client = { client_id: ctx.basic.client_id };
    const kp = await oauth.generateKeyPair('ES256', { extractable: true });
    const dpop = oauth.DPoP(client, kp);
    const tok = await ccGrant(ctx.as, client, oauth.ClientSecretBasic(ctx.basic.client_secret),
      new URLSearchParams({ resource: URI, scope: 'mcp:echo' }), { DPoP: dpop });
    assert.equal(tok.token_type, 'dpop');
    const jwk = await crypto.subtle.exportKey('jwk', kp.publicKey);
    const expected = await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y });
    assert.deepEqual(decodeJwt(tok.access_token).claims.cnf, { jkt: expected });
    assert.equal(await dpop.calculateThumbprint(), expected);
    ctx.dpopToken = tok.access_token;
  });

  it('introspection via introspectionRequest/processIntrospectionResponse', async () => {
    const client = { client_id: ctx.basic.client_id };
    const auth = oauth.ClientSecretBasic(ctx.basic.client_secret);
    const res = await oauth.introspectionRequest(ctx.as, client, auth, ctx.basicToken, insecure);
    const r = await oauth.processIntrospectionResponse(ctx.as, client, res);
    assert.equal(r.active, true);
    assert.equal(r.client_id, ctx.basic.client_id);
    assert.equal(r.aud, URI);
    assert.equal(r.token_type, 'Bearer');

    const res2 = await oauth.introspectionRequest(ctx.as, client, auth, ctx.dpopToken, insecure);
    const r2 = await oauth.processIntrospectionResponse(ctx.as, client, res2);
    assert.equal(r2.active, true);
    assert.equal(r2.token_type, 'DPoP');
    assert.equal(typeof r2.cnf?.jkt, 'string');

    // A token of another client: not entitled → inactive.
    const other = { client_id: ctx.post.client_id };
    const res3 = await oauth.introspectionRequest(ctx.as, other, oauth.ClientSecretPost(ctx.post.client_secret), ctx.basicToken, insecure);
    const r3 = await oauth.processIntrospectionResponse(ctx.as, other, res3);
    assert.equal(r3.active, false);
  });

  it('revocation via revocationRequest/processRevocationResponse, then inactive', async () => {
    const client = { client_id: ctx.basic.client_id };
    const auth = oauth.ClientSecretBasic(ctx.basic.client_secret);
    const res = await oauth.revocationRequest(ctx.as, client, auth, ctx.basicToken, insecure);
    assert.equal(await oauth.processRevocationResponse(res), undefined);
    const ires = await oauth.introspectionRequest(ctx.as, client, auth, ctx.basicToken, insecure);
    const r = await oauth.processIntrospectionResponse(ctx.as, client, ires);
    assert.equal(r.active, false);
  });
});

describe('oauth4webapi DPoP nonce retry (AUTHPLANE_DPOP_REQUIRE_NONCE=true)', () => {
  const h = useAuthserver({ env: { AUTHPLANE_DPOP_REQUIRE_NONCE: 'true' } });

  it('first request fails with use_dpop_nonce (isDPoPNonceError), the retry succeeds', async () => {
    const srv = h.srv;
    await srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    const c = await srv.createClient({ scope: 'mcp:echo' });
    const as = await discover(srv.issuer, 'oauth2');
    const client = { client_id: c.client_id };
    const auth = oauth.ClientSecretBasic(c.client_secret);
    const kp = await oauth.generateKeyPair('ES256', { extractable: true });
    const dpop = oauth.DPoP(client, kp);
    const params = new URLSearchParams({ resource: URI });

    let tok;
    let sawNonceError = false;
    try {
      tok = await ccGrant(as, client, auth, params, { DPoP: dpop });
    } catch (err) {
      assert.ok(oauth.isDPoPNonceError(err),
        `isDPoPNonceError must recognise the server's nonce challenge; got ${err?.constructor?.name}: ${err?.message} ${err?.code ?? ''}`);
      sawNonceError = true;
      tok = await ccGrant(as, client, auth, params, { DPoP: dpop }); // nonce now cached by the handle
    }
    assert.ok(sawNonceError, 'the first request must be challenged for a nonce');
    assert.equal(tok.token_type, 'dpop');
    assert.equal(typeof decodeJwt(tok.access_token).claims.cnf?.jkt, 'string');
  });
});
