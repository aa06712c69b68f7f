// Tokens minted with jose by an issuer the C++ example trusts (node serves its metadata and
// JWKS): the good one is accepted, each bad one gets its exact challenge. Then DPoP proofs from
// the `dpop` npm package against example 03 (DPoP required): accepted once, refused when
// replayed, made with another key, or made for another URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as dpop from 'dpop';
import { startExample, startJoseIssuer, mcpInitialize } from '../lib/examples.mjs';

const b64urlDecode = (s) => Buffer.from(s, 'base64url');

function tamper(token) {
  const [h, p, s] = token.split('.');
  const claims = JSON.parse(b64urlDecode(p));
  claims.sub = 'someone-else';
  return [h, Buffer.from(JSON.stringify(claims)).toString('base64url'), s].join('.');
}

test('jose-minted tokens against example 01: exact outcomes', async (t) => {
  const iss = await startJoseIssuer({ t });
  const ex = await startExample('mcp-server-basic', { AUTHPLANE_ISSUER: iss.issuer }, { t });
  const prm = `resource_metadata="${ex.origin}/.well-known/oauth-protected-resource/mcp"`;
  const invalid = (desc) => `Bearer error="invalid_token", error_description="${desc}", scope="mcp:echo", ${prm}`;
  const base = { aud: ex.url, scope: 'mcp:echo' };

  const good = await iss.mint(base);
  const ok = await mcpInitialize(ex.url, { authorization: `Bearer ${good}` });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.result.serverInfo.name, 'echo-server');

  const cases = [
    ['no token', null, 401, `Bearer scope="mcp:echo", ${prm}`],
    ['expired', await iss.mint({ ...base, iat: iss.now() - 600, exp: iss.now() - 120 }), 401, /^Bearer error="invalid_token", error_description="[^"]*expired[^"]*", scope="mcp:echo", resource_metadata=/],
    ['wrong aud', await iss.mint({ ...base, aud: `${ex.origin}/other` }), 401, invalid(`Token audience '${ex.origin}/other' does not contain the resource '${ex.url}'`)],
    ['wrong iss', await iss.mint({ ...base, iss: 'http://127.0.0.1:1' }), 401, invalid(`Token issuer 'http://127.0.0.1:1' does not match the expected issuer '${iss.issuer}'`)],
    ['wrong typ', await iss.mint(base, { header: { typ: 'JWT' } }), 401, invalid(`Token type must be 'at+jwt', got 'JWT'`)],
    ['unknown kid', await iss.mint(base, { header: { kid: 'nope' } }), 401, invalid(`Token kid 'nope' not found in JWKS after refresh`)],
    ['wrong key', await iss.mint(base, { wrongKey: true }), 401, invalid('Token signature verification failed')],
    ['tampered', tamper(good), 401, invalid('Token signature verification failed')],
    ['missing scope', await iss.mint({ ...base, scope: 'mcp:other' }), 403,
      `Bearer error="insufficient_scope", error_description="Token missing required scope 'mcp:echo'. Token has scopes: 'mcp:other'", scope="mcp:echo", ${prm}`],
  ];
  for (const [name, token, status, challenge] of cases) {
    const r = await mcpInitialize(ex.url, token ? { authorization: `Bearer ${token}` } : {});
    assert.equal(r.status, status, `${name}: ${r.text}`);
    const got = r.headers.get('www-authenticate');
    if (challenge instanceof RegExp) assert.match(got, challenge, name);
    else assert.equal(got, challenge, name);
    if (token) {
      assert.equal(r.headers.get('content-type'), 'application/json', name);
      assert.equal(r.json.error, status === 403 ? 'insufficient_scope' : 'invalid_token', name);
    }
  }
});

test('dpop npm proofs against example 03 (DPoP required)', async (t) => {
  const iss = await startJoseIssuer({ t });
  const ex = await startExample('mcp-server-dpop-scopes', { AUTHPLANE_ISSUER: iss.issuer }, { t });
  const key = await dpop.generateKeyPair('ES256');
  const otherKey = await dpop.generateKeyPair('ES256');
  const jkt = await dpop.calculateThumbprint(key.publicKey);
  const token = await iss.mint({ aud: ex.url, scope: 'notes:read', cnf: { jkt } });
  const call = (headers) => mcpInitialize(ex.url, headers);

  const proof = await dpop.generateProof(key, ex.url, 'POST', undefined, token);
  const first = await call({ authorization: `DPoP ${token}`, dpop: proof });
  assert.equal(first.status, 200, first.text);

  const prm = `resource_metadata="${ex.origin}/.well-known/oauth-protected-resource/mcp"`;
  const refused = (desc) => `Bearer ${prm}, DPoP error="invalid_token", error_description="${desc}", algs="ES256 RS256"`;
  const expect401 = (r, challenge, name) => {
    assert.equal(r.status, 401, name);
    const got = r.headers.get('www-authenticate');
    if (challenge instanceof RegExp) assert.match(got, challenge, name);
    else assert.equal(got, challenge, name);
  };

  expect401(await call({ authorization: `DPoP ${token}`, dpop: proof }), refused('DPoP proof replay detected'), 'replay');
  expect401(await call({ authorization: `DPoP ${token}`, dpop: await dpop.generateProof(otherKey, ex.url, 'POST', undefined, token) }),
    refused('DPoP proof key does not match the access token cnf.jkt'), 'foreign key');
  expect401(await call({ authorization: `DPoP ${token}`, dpop: await dpop.generateProof(key, `${ex.origin}/other`, 'POST', undefined, token) }),
    /^Bearer resource_metadata="[^"]+", DPoP error="invalid_token", error_description="Invalid DPoP proof: [^"]*htu[^"]*", algs="ES256 RS256"$/, 'other URL');
  expect401(await call({ authorization: `DPoP ${token}`, dpop: await dpop.generateProof(key, ex.url, 'GET', undefined, token) }),
    /^Bearer resource_metadata="[^"]+", DPoP error="invalid_token", error_description="Invalid DPoP proof: [^"]*htm[^"]*", algs="ES256 RS256"$/, 'other method');
  expect401(await call({ authorization: `DPoP ${token}` }), refused('DPoP proof is required'), 'no proof');
  const bearer = await iss.mint({ aud: ex.url, scope: 'notes:read' });
  expect401(await call({ authorization: `Bearer ${bearer}` }),
    refused('Resource requires DPoP-bound access tokens but the presented token has no cnf.jkt'), 'unbound token');
});
