// A local https server for documents the authserver fetches (client ID metadata documents).
// At start it makes a throwaway CA and a server certificate for 127.0.0.1 and localhost with the
// openssl CLI in a temp dir; pass `caFile` to the authserver as SSL_CERT_FILE so OpenSSL trusts
// it. Every request is recorded.
//   const fx = await startHttpsFixture({ t });
//   fx.route('/client.json', { body: { client_id: fx.url('/client.json'), ... } });
//   fx.count('/client.json');          // requests seen for that path
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

function openssl(args, cwd) {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Writes ca.pem, server.pem and server.key into a new temp dir; returns the dir. */
async function makeCertificates() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'authplane-https-fixture-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=AuthPlane test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  openssl(['req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  await fs.writeFile(path.join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n' +
    'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
    '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext'], dir);
  return dir;
}

/**
 * Starts the server on 127.0.0.1 (random port). Options: {t} to stop it at test teardown.
 * A route is a function (req, res) or {status = 200, headers = {content-type: application/json},
 * body (object → JSON, string → as is), delayMs, hang (never answer)}.
 * Returns {port, caFile, url(path), localhostUrl(path), route(path, spec), requests, count(path), close()}.
 */
export async function startHttpsFixture({ t } = {}) {
  const dir = await makeCertificates();
  const routes = new Map();
  const requests = [];
  const hanging = new Set();
  const server = https.createServer({
    key: await fs.readFile(path.join(dir, 'server.key')),
    cert: await fs.readFile(path.join(dir, 'server.pem')),
  }, (req, res) => {
    const pathname = new URL(req.url, 'https://fixture').pathname;
    requests.push({ method: req.method, path: pathname, url: req.url, headers: req.headers, at: Date.now() });
    const spec = routes.get(pathname);
    if (!spec) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (typeof spec === 'function') { spec(req, res); return; }
    if (spec.hang) { hanging.add(res); return; }
    const send = () => {
      const body = typeof spec.body === 'string' || Buffer.isBuffer(spec.body) ? spec.body : JSON.stringify(spec.body ?? {});
      res.writeHead(spec.status ?? 200, { 'content-type': 'application/json', ...(spec.headers ?? {}) });
      res.end(body);
    };
    if (spec.delayMs) setTimeout(send, spec.delayMs); else send();
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address();
  const fx = {
    port,
    dir,
    caFile: path.join(dir, 'ca.pem'),
    requests,
    url: (p) => `https://127.0.0.1:${port}${p}`,
    localhostUrl: (p) => `https://localhost:${port}${p}`,
    route(p, spec) { routes.set(p, spec); return fx.url(p); },
    count: (p) => requests.filter((r) => r.path === p).length,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections?.();
      await new Promise((resolve) => server.close(resolve));
      await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
    },
  };
  if (t) t.after(() => fx.close());
  return fx;
}
