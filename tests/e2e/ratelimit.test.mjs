// Per-IP rate limiting on the public port (reference §10).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { useAuthserver, sleep } from '../lib/server.mjs';

describe('rate limit (RPS=5, BURST=5)', () => {
  const h = useAuthserver({ env: { AUTHPLANE_RATE_LIMIT_RPS: '5', AUTHPLANE_RATE_LIMIT_BURST: '5' } });

  it('rapid requests: the burst passes, then 429 with Retry-After ≥ 1', async () => {
    await sleep(1500); // let the bucket refill after the readiness probes
    const statuses = [];
    let limited;
    for (let i = 0; i < 10; i++) {
      const r = await h.srv.get('/.well-known/oauth-authorization-server');
      statuses.push(r.status);
      if (r.status === 429 && !limited) limited = r;
    }
    assert.deepEqual(statuses.slice(0, 5), [200, 200, 200, 200, 200], `statuses: ${statuses}`);
    const first429 = statuses.indexOf(429);
    assert.ok(first429 >= 5 && first429 <= 7, `first 429 at request #${first429 + 1}: ${statuses}`);
    const retry = Number(limited.headers.get('retry-after'));
    assert.ok(Number.isInteger(retry) && retry >= 1, `Retry-After: ${limited.headers.get('retry-after')}`);
  });

  it('recovers after waiting', async () => {
    await sleep(1500);
    const r = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.equal(r.status, 200);
  });

  it('token endpoint is limited too', async () => {
    await sleep(1500);
    const statuses = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await h.srv.tokenRequest({ grant_type: 'client_credentials' }, { basic: ['x', 'y'] })).status);
    }
    assert.ok(statuses.includes(429), `statuses: ${statuses}`);
  });

  it('admin port is not affected by the public limiter', async () => {
    for (let i = 0; i < 12; i++) {
      const r = await h.srv.admin('GET', '/admin/stats');
      assert.equal(r.status, 200, `admin request #${i + 1}: ${r.status}`);
    }
  });
});

describe('rate limit disabled', () => {
  const h = useAuthserver({ env: { AUTHPLANE_RATE_LIMIT_ENABLED: 'false', AUTHPLANE_RATE_LIMIT_RPS: '1', AUTHPLANE_RATE_LIMIT_BURST: '1' } });
  it('no 429 on 50 rapid requests', async () => {
    for (let i = 0; i < 50; i++) {
      const r = await h.srv.get('/.well-known/oauth-authorization-server');
      assert.equal(r.status, 200, `request #${i + 1}`);
    }
  });
});
