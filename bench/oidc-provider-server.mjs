// Comparison server for bench/token_bench.sh: panva's oidc-provider configured as an equivalent
// client_credentials issuer (RFC 8707 resource indicator → ES256 JWT access token, aud = resource).
//
// Usage: node bench/oidc-provider-server.mjs   (configured through environment variables)
//   OP_PORT            listen port on 127.0.0.1 (required)
//   OP_CLIENT_ID       confidential client id (client_secret_basic)   default bench-client
//   OP_CLIENT_SECRET   its secret                                      default bench-secret-…
//   OP_RESOURCE        the one resource indicator                      default http://127.0.0.1:8080/mcp
//   OP_SCOPE           scope of that resource                          default mcp:echo
// Prints "READY <issuer>" on stdout once listening.
//
// oidc-provider is resolved from tests/node_modules (the bench reuses the test dependencies).
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const testsPkg = path.resolve(import.meta.dirname, '..', 'tests', 'package.json');
const requireFromTests = createRequire(testsPkg);
const { default: Provider } = await import(pathToFileURL(requireFromTests.resolve('oidc-provider')).href);

const port = Number(process.env.OP_PORT);
if (!port) {
  console.error('OP_PORT is required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OP_CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.OP_CLIENT_SECRET ?? 'bench-secret-0123456789abcdef0123456789';
const resource = process.env.OP_RESOURCE ?? 'http://127.0.0.1:8080/mcp';
const scope = process.env.OP_SCOPE ?? 'mcp:echo';

// A fresh ES256 signing key per run.
const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), alg: 'ES256', use: 'sig', kid: crypto.randomBytes(16).toString('base64url') };

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256', // the only key is ES256
    scope,
  }],
  jwks: { keys: [signingJwk] },
  scopes: [scope],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: false },
    revocation: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, indicator) => {
        if (indicator !== resource) {
          throw new Provider.errors.InvalidTarget();
        }
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
  ttl: { ClientCredentials: 3600 },
});
provider.proxy = false;
// Keep the log quiet under load: oidc-provider emits 'server_error' events only on failures.
provider.on('server_error', (ctx, err) => console.error('oidc-provider server_error', err));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`READY ${issuer}`);
});
server.keepAliveTimeout = 120_000;

for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => server.close(() => process.exit(0)));
}
