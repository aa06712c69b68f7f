// Comparison server for bench/refresh_bench.sh: panva's oidc-provider configured for the
// authorization-code + refresh_token grants of a public client (PKCE, token_endpoint_auth_method
// none), refresh-token rotation on every use, RFC 8707 resource indicator → ES256 JWT access
// token (aud = resource), the same operation authserver performs on POST /oauth/token with
// grant_type=refresh_token.
//
// Sign-in without UI: the interaction URL (/interaction/<uid>) is answered by a small route that
// signs in the one benchmark account and grants the requested resource scope at once (what the
// login and consent pages would do after a human clicked). It is used only to mint the initial
// codes; the benchmark times only the refresh grant, which runs oidc-provider's own code path
// unchanged (find + consume the old refresh token, grant and account checks, save the new
// token, sign the JWT). Storage is oidc-provider's default in-memory adapter.
//
// Usage: node bench/oidc-provider-refresh.mjs   (configured through environment variables)
//   OP_PORT          listen port on 127.0.0.1 (required)
//   OP_CLIENT_ID     public client id                  default bench-app
//   OP_REDIRECT_URI  its redirect URI                  default http://127.0.0.1/callback
//   OP_RESOURCE      the one resource indicator        default http://127.0.0.1:8080/mcp
//   OP_SCOPE         scope of that resource            default mcp:echo
// Prints "READY <issuer>" on stdout once listening.
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const requireFromTests = createRequire(path.resolve(import.meta.dirname, '..', 'tests', 'package.json'));
const { default: Provider } = await import(pathToFileURL(requireFromTests.resolve('oidc-provider')).href);

const port = Number(process.env.OP_PORT);
if (!port) {
  console.error('OP_PORT is required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OP_CLIENT_ID ?? 'bench-app';
const redirectUri = process.env.OP_REDIRECT_URI ?? 'http://127.0.0.1/callback';
const resource = process.env.OP_RESOURCE ?? 'http://127.0.0.1:8080/mcp';
const scope = process.env.OP_SCOPE ?? 'mcp:echo';
const ACCOUNT_ID = 'bench-user';

// A fresh ES256 signing key per run.
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: crypto.randomBytes(16).toString('base64url') };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [redirectUri],
    token_endpoint_auth_method: 'none',
    id_token_signed_response_alg: 'ES256', // the only key is ES256
    scope,
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  scopes: [scope],
  // The one account; the refresh grant looks it up on every use.
  findAccount: (ctx, id) => (id === ACCOUNT_ID ? { accountId: id, claims: () => ({ sub: id }) } : undefined),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  issueRefreshToken: () => true,
  rotateRefreshToken: true,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    introspection: { enabled: false },
    revocation: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) throw new Provider.errors.InvalidTarget();
        return {
          scope,
          audience: resource,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        };
      },
    },
  },
  ttl: { AccessToken: 3600, AuthorizationCode: 60, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 600 },
});
provider.proxy = false;
provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));

// The scripted sign-in and consent (see the header): GET /interaction/<uid> finishes the pending
// prompt for the benchmark account and redirects back to the authorization endpoint.
provider.use(async (ctx, next) => {
  if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  let result;
  if (details.prompt.name === 'login') {
    result = { login: { accountId: ACCOUNT_ID } };
  } else if (details.prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
    result = { consent: { grantId: await grant.save() } };
  } else {
    ctx.status = 400;
    ctx.body = `unexpected prompt ${details.prompt.name}`;
    return undefined;
  }
  const to = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.redirect(to);
  return undefined;
});

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
server.keepAliveTimeout = 120_000;

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
