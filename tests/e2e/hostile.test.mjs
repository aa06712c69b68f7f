// Hostile input on raw sockets: oversized headers, malformed HTTP, random bytes, slow loris.
// The server must answer sensibly and stay up.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { describe, it, afterEach } from 'node:test';
import { useAuthserver } from '../lib/server.mjs';

/**
 * Writes `chunks` to a fresh connection and collects what comes back until the peer closes or
 * `timeoutMs` passes. Returns {data, closed, error}.
 */
function rawExchange(port, chunks, { timeoutMs = 5000, endAfterWrite = false } = {}) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    let data = Buffer.alloc(0);
    let done = false;
    const finish = (closed, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ data: data.toString('latin1'), closed, error });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('data', (d) => { data = Buffer.concat([data, d]); });
    sock.on('end', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('error', (e) => finish(true, e.code));
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (!sock.writable) break;
        sock.write(c);
      }
      if (endAfterWrite) sock.end();
    });
  });
}

function statusOf(data) {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
  return m ? Number(m[1]) : null;
}

describe('hostile input', () => {
  const h = useAuthserver({ env: { AUTHPLANE_SERVER_READ_TIMEOUT: '2s', AUTHPLANE_RATE_LIMIT_ENABLED: 'false' } });

  afterEach(async () => {
    const r = await h.srv.get('/livez');
    assert.equal(r.status, 200, 'server must still answer /livez');
  });

  it('100 KB header → 431 (or connection closed), server stays up', async () => {
    const req = `GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(100 * 1024)}\r\n\r\n`;
    const r = await rawExchange(h.srv.pubPort, [req]);
    const st = statusOf(r.data);
    assert.ok(st === 431 || (st === null && r.closed), `got status=${st} closed=${r.closed} data=${r.data.slice(0, 120)}`);
  });

  it('many small headers (2000, ~24 KB) → answered (200) or refused (431/400/closed), no crash', async () => {
    let hdrs = '';
    for (let i = 0; i < 2000; i++) hdrs += `X-H${i}: v\r\n`;
    const r = await rawExchange(h.srv.pubPort, [`GET /livez HTTP/1.1\r\nHost: x\r\n${hdrs}\r\n`]);
    const st = statusOf(r.data);
    assert.ok(st === 200 || st === 431 || st === 400 || (st === null && r.closed), `status=${st} data=${r.data.slice(0, 120)}`);
  });

  it('malformed request line → 400', async () => {
    const r = await rawExchange(h.srv.pubPort, ['THIS IS NOT HTTP\r\n\r\n']);
    assert.equal(statusOf(r.data), 400, `got: ${r.data.slice(0, 200)}`);
  });

  it('bad header syntax → 400', async () => {
    const r = await rawExchange(h.srv.pubPort, ['GET /livez HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n']);
    assert.equal(statusOf(r.data), 400, `got: ${r.data.slice(0, 200)}`);
  });

  it('conflicting Content-Length and chunked → 400 (request smuggling guard)', async () => {
    const req = 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n'
      + 'Content-Type: application/x-www-form-urlencoded\r\n\r\n0\r\n\r\nGET /livez HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await rawExchange(h.srv.pubPort, [req], { timeoutMs: 3000 });
    const st = statusOf(r.data);
    assert.ok(st === 400 || (st === null && r.closed), `status=${st}: ${r.data.slice(0, 200)}`);
  });

  it('negative / huge Content-Length → 400 or 413', async () => {
    for (const cl of ['-1', '99999999999999999999', 'abc']) {
      const r = await rawExchange(h.srv.pubPort, [`POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Length: ${cl}\r\n\r\n`], { timeoutMs: 3000 });
      const st = statusOf(r.data);
      assert.ok(st === 400 || st === 413 || (st === null && r.closed), `CL=${cl}: status=${st} ${r.data.slice(0, 120)}`);
    }
  });

  it('random bytes on 20 connections → server still answers /livez', async () => {
    const all = [];
    for (let i = 0; i < 20; i++) {
      all.push(rawExchange(h.srv.pubPort, [crypto.randomBytes(4096)], { timeoutMs: 3000, endAfterWrite: i % 2 === 0 }));
    }
    await Promise.all(all);
    // Random bytes on the admin port too.
    await rawExchange(h.srv.admPort, [crypto.randomBytes(4096)], { timeoutMs: 3000 });
    const r = await h.srv.admin('GET', '/admin/stats');
    assert.equal(r.status, 200);
  });

  it('slow loris: a connection trickling header bytes is not kept forever', async () => {
    // AUTHPLANE_SERVER_READ_TIMEOUT=2s; the server must drop the connection well before 20 s.
    const started = Date.now();
    const closedAfter = await new Promise((resolve) => {
      const sock = net.connect({ host: '127.0.0.1', port: h.srv.pubPort });
      let iv;
      const finish = (v) => { clearInterval(iv); clearTimeout(guard); sock.destroy(); resolve(v); };
      const guard = setTimeout(() => finish(null), 20_000);
      sock.on('connect', () => {
        sock.write('GET /livez HTTP/1.1\r\nHost: x\r\n');
        iv = setInterval(() => { if (sock.writable) sock.write('X-a: b\r\n'); }, 500);
      });
      sock.on('close', () => finish(Date.now() - started));
      sock.on('error', () => finish(Date.now() - started));
    });
    assert.ok(closedAfter !== null, 'slow-loris connection still open after 20 s');
  });

  it('idle connection with no bytes is eventually closed', async () => {
    const r = await rawExchange(h.srv.pubPort, [], { timeoutMs: 20_000 });
    assert.ok(r.closed, 'idle connection still open after 20 s');
  });

  it('keep-alive: several requests on one connection', async () => {
    const one = 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n';
    const r = await rawExchange(h.srv.pubPort, [one + one + one], { timeoutMs: 1500 });
    const count = (r.data.match(/HTTP\/1\.1 200/g) || []).length;
    assert.equal(count, 3, r.data.slice(0, 400));
  });
});
