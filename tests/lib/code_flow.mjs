// The authorization code flow against the real binary, driven the way the e2e tests need it:
// a browser signed in through the real /login form, oauth4webapi discovery, and a fresh code
// through /oauth/authorize (and /consent when it asks) for a public client.
//   const b = await signedInBrowser(srv, 'me@example.com', PW);
//   const as = await discover(srv.issuer);
//   const flow = codeFlow({ as, b, client: app, redirectUri: REDIRECT, resource: RES_URI });
//   const tok = await flow.redeem(await flow.authorize('notes:read'));
import assert from 'node:assert/strict';
import * as oauth from 'oauth4webapi';
import { browser, hidden } from './browser.mjs';

export const insecure = { [oauth.allowInsecureRequests]: true };

/** A cookie-keeping browser with a session from the real login form. */
export async function signedInBrowser(srv, email, password) {
  const b = browser(srv.issuer);
  const page = await b.get('/login');
  const r = await b.postForm('/login', { email, password, csrf_token: hidden(page.text, 'csrf_token'), redirect: '/' });
  assert.equal(r.status, 303, r.text);
  return b;
}

/** RFC 8414 metadata through oauth4webapi (plain http on loopback). */
export async function discover(issuerUrl) {
  const issuer = new URL(issuerUrl);
  return oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...insecure, algorithm: 'oauth2' }));
}

export function codeFlow({ as, b, client, redirectUri, resource }) {
  return {
    /** A fresh code, allowing every requested scope when asked: {callback, verifier, state, consented}. */
    async authorize(scope) {
      const verifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint);
      for (const [k, v] of Object.entries({ response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope,
        state, resource, code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' }))
        url.searchParams.set(k, v);
      let r = await b.get(url.href);
      assert.equal(r.status, 303, r.text);
      const consented = r.location.startsWith('/consent');
      if (consented) {
        const page = await b.get(r.location);
        const form = new URLSearchParams([['session_id', hidden(page.text, 'session_id')], ['csrf_token', hidden(page.text, 'csrf_token')],
          ['action', 'allow'], ...scope.split(' ').map((s) => ['scopes', s])]);
        r = await b.postForm('/consent', form);
        assert.equal(r.status, 303, r.text);
      }
      return { callback: new URL(r.location), verifier, state, consented };
    },
    /** oauth4webapi validates the authorization response (state, iss) and redeems the code as `by`. */
    async redeem({ callback, verifier, state }, by = client) {
      const params = oauth.validateAuthResponse(as, { client_id: by.client_id }, callback, state);
      const res = await oauth.authorizationCodeGrantRequest(as, { client_id: by.client_id }, oauth.None(), params, redirectUri, verifier,
        { ...insecure, additionalParameters: { resource } });
      return oauth.processAuthorizationCodeResponse(as, { client_id: by.client_id }, res);
    },
  };
}
