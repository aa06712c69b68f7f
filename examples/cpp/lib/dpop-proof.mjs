// DPoP proofs for the verify scripts, made with the `dpop` npm package (tests/node_modules).
//   node dpop-proof.mjs KEYFILE proof METHOD URL [ACCESS_TOKEN]   → a proof JWT
//   node dpop-proof.mjs KEYFILE jkt                                → the key's RFC 7638 thumbprint
// KEYFILE holds the ES256 key pair as JWKs; it is created on first use.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const dpop = await import(pathToFileURL(path.join(root, 'tests', 'node_modules', 'dpop', 'build', 'index.js')));
const [keyfile, command, method, url, token] = process.argv.slice(2);
const algo = { name: 'ECDSA', namedCurve: 'P-256' };

async function loadKeys() {
  if (!existsSync(keyfile)) {
    const kp = await dpop.generateKeyPair('ES256', { extractable: true });
    const jwks = {
      privateKey: await crypto.subtle.exportKey('jwk', kp.privateKey),
      publicKey: await crypto.subtle.exportKey('jwk', kp.publicKey),
    };
    writeFileSync(keyfile, JSON.stringify(jwks), { mode: 0o600 });
  }
  const jwks = JSON.parse(readFileSync(keyfile, 'utf8'));
  return {
    privateKey: await crypto.subtle.importKey('jwk', jwks.privateKey, algo, false, ['sign']),
    publicKey: await crypto.subtle.importKey('jwk', jwks.publicKey, algo, true, ['verify']),
  };
}

const keys = await loadKeys();
if (command === 'jkt') {
  process.stdout.write(await dpop.calculateThumbprint(keys.publicKey));
} else if (command === 'proof') {
  process.stdout.write(await dpop.generateProof(keys, url, method, undefined, token || undefined));
} else {
  console.error('usage: dpop-proof.mjs KEYFILE proof METHOD URL [TOKEN] | KEYFILE jkt');
  process.exit(2);
}
