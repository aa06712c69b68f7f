// Interop with jose (panva): tokens verify against the published JWKS with issuer, audience and
// typ checks, for each signing algorithm the server supports; rotation keeps old tokens verifiable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRemoteJWKSet, jwtVerify, createLocalJWKSet, errors } from 'jose';
import { startAuthserver } from '../lib/server.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

describe('jose verification of issued tokens', () => {
  for (const alg of ['ES256', 'RS256', 'EdDSA']) {
    it(`${alg}: createRemoteJWKSet + jwtVerify(issuer, audience, typ at+jwt)`, async (t) => {
      const env = alg === 'ES256' ? {} : { AUTHPLANE_SIGNING_ALGORITHM: alg };
      const srv = await startAuthserver({ t, env });
      await srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
      const c = await srv.createClient({ scope: 'mcp:echo' });
      const jwks = createRemoteJWKSet(new URL(`${srv.issuer}/.well-known/jwks.json`));

      const tok = (await srv.issueToken(c, { resource: URI, scope: 'mcp:echo' })).access_token;
      const { payload, protectedHeader } = await jwtVerify(tok, jwks, {
        issuer: srv.issuer, audience: URI, typ: 'at+jwt', algorithms: [alg],
      });
      assert.equal(protectedHeader.alg, alg);
      assert.equal(payload.sub, c.client_id);
      assert.equal(payload.client_id, c.client_id);
      assert.equal(payload.scope, 'mcp:echo');

      // Wrong audience / issuer are rejected by the verifier (sanity of the claim set).
      await assert.rejects(jwtVerify(tok, jwks, { issuer: srv.issuer, audience: 'http://127.0.0.1:8080/other', typ: 'at+jwt' }),
        errors.JWTClaimValidationFailed);
      await assert.rejects(jwtVerify(tok, jwks, { issuer: 'http://evil.example', audience: URI, typ: 'at+jwt' }),
        errors.JWTClaimValidationFailed);

      // Token without resource: audience is the issuer.
      const tok2 = (await srv.issueToken(c)).access_token;
      await jwtVerify(tok2, jwks, { issuer: srv.issuer, audience: srv.issuer, typ: 'at+jwt' });

      // After rotation, old tokens verify against the new JWKS document and new ones too.
      const rot = await srv.admin('POST', '/admin/keys/rotate');
      assert.ok(rot.status === 200 || rot.status === 201, rot.text);
      const doc = (await srv.get('/.well-known/jwks.json')).json;
      const local = createLocalJWKSet(doc);
      await jwtVerify(tok, local, { issuer: srv.issuer, audience: URI, typ: 'at+jwt' });
      const tok3 = (await srv.issueToken(c, { resource: URI })).access_token;
      const v3 = await jwtVerify(tok3, local, { issuer: srv.issuer, audience: URI, typ: 'at+jwt' });
      assert.equal(v3.protectedHeader.kid, rot.json.kid);
      assert.equal(v3.protectedHeader.alg, alg);
    });
  }
});
