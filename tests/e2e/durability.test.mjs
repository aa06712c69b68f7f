// Durability: tokens acknowledged with 200 survive kill -9; the signing key and clients persist.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startAuthserver } from '../lib/server.mjs';
import { decodeJwt } from '../lib/oauth.mjs';

const URI = 'http://127.0.0.1:8080/mcp';

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  }));
  return out;
}

describe('durability across kill -9', () => {
  it('200 concurrently issued tokens, client and signing key survive SIGKILL + restart', { timeout: 180_000 }, async (t) => {
    const srv = await startAuthserver({ t, env: { AUTHPLANE_RATE_LIMIT_ENABLED: 'false' } });
    await srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    const c = await srv.createClient({ scope: 'mcp:echo' });
    const jwksBefore = (await srv.get('/.well-known/jwks.json')).json;

    const tokens = await Promise.all(Array.from({ length: 200 }, () => srv.issueToken(c, { resource: URI })));
    const jtis = tokens.map((x) => decodeJwt(x.access_token).claims.jti);
    assert.equal(new Set(jtis).size, 200, 'distinct JTIs');

    await srv.kill9();
    await srv.start();

    const jwksAfter = (await srv.get('/.well-known/jwks.json')).json;
    assert.deepEqual(jwksAfter.keys.map((k) => k.kid), jwksBefore.keys.map((k) => k.kid), 'signing key kid unchanged');
    assert.deepEqual(jwksAfter, jwksBefore, 'JWKS unchanged');

    const got = await srv.admin('GET', `/admin/clients/${c.client_id}`);
    assert.equal(got.status, 200, `client still exists: ${got.text}`);

    const results = await mapLimit(tokens, 16, async (x) => {
      const r = await srv.introspect(x.access_token, [c.client_id, c.client_secret]);
      return { status: r.status, active: r.json?.active, jti: r.json?.jti };
    });
    const bad = results.filter((r, i) => r.status !== 200 || r.active !== true || r.jti !== jtis[i]);
    assert.equal(bad.length, 0, `${bad.length}/200 tokens not active after restart: ${JSON.stringify(bad.slice(0, 3))}`);

    // New tokens after restart are signed with the same key.
    const fresh = await srv.issueToken(c, { resource: URI });
    assert.equal(decodeJwt(fresh.access_token).header.kid, jwksBefore.keys[0].kid);
  });

  it('kill -9 in the middle of concurrent issuance: every token acknowledged with 200 is active after restart', { timeout: 120_000 }, async (t) => {
    const srv = await startAuthserver({ t, env: { AUTHPLANE_RATE_LIMIT_ENABLED: 'false' } });
    await srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo'] });
    const c = await srv.createClient({ scope: 'mcp:echo' });
    const acked = [];
    let stop = false;
    const worker = async () => {
      while (!stop) {
        try {
          const r = await srv.tokenRequest({ grant_type: 'client_credentials', resource: URI }, { basic: [c.client_id, c.client_secret] });
          if (r.status === 200) acked.push(r.json.access_token);
        } catch { /* connection reset by the kill */ }
      }
    };
    const workers = Array.from({ length: 32 }, worker);
    while (acked.length < 300) await new Promise((r) => setTimeout(r, 5));
    await srv.kill9();
    stop = true;
    await Promise.all(workers);
    const snapshot = acked.slice();
    await srv.start();
    const results = await mapLimit(snapshot, 16, async (tok) => (await srv.introspect(tok, [c.client_id, c.client_secret])).json?.active);
    const lost = results.filter((a) => a !== true).length;
    assert.equal(lost, 0, `${lost}/${snapshot.length} acknowledged tokens lost after kill -9`);
  });

  it('a revocation acknowledged before kill -9 is durable', { timeout: 60_000 }, async (t) => {
    const srv = await startAuthserver({ t });
    const c = await srv.createClient({ scope: 'mcp:echo' });
    const tok = (await srv.issueToken(c)).access_token;
    const rv = await srv.revoke(tok, [c.client_id, c.client_secret]);
    assert.equal(rv.status, 200);
    await srv.kill9();
    await srv.start();
    const i = await srv.introspect(tok, [c.client_id, c.client_secret]);
    assert.deepEqual(i.json, { active: false });
  });

  it('graceful restart (SIGTERM) keeps the key; a key rotation is durable', { timeout: 60_000 }, async (t) => {
    const srv = await startAuthserver({ t });
    const rot = await srv.admin('POST', '/admin/keys/rotate');
    assert.ok(rot.status === 200 || rot.status === 201, rot.text);
    await srv.restart();
    const jwks = (await srv.get('/.well-known/jwks.json')).json;
    assert.ok(jwks.keys.some((k) => k.kid === rot.json.kid), 'rotated key survives restart');
    const c = await srv.createClient({ scope: 'mcp:echo' });
    const tok = await srv.issueToken(c);
    assert.equal(decodeJwt(tok.access_token).header.kid, rot.json.kid, 'current key after restart = rotated key');
  });

  it('SIGTERM exits promptly with status 0', { timeout: 30_000 }, async (t) => {
    const srv = await startAuthserver({ t });
    const run = srv.run;
    const t0 = Date.now();
    run.proc.kill('SIGTERM');
    const res = await run.exited;
    assert.ok(Date.now() - t0 < 12_000, 'exit within shutdown wait');
    assert.equal(res.code, 0, `exit code ${res.code} signal ${res.signal}; stderr: ${run.stderr().slice(-500)}`);
  });
});
