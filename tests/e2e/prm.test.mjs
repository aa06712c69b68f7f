// RFC 9728 protected-resource metadata served by the AS for registered resources.
import assert from 'node:assert/strict';
import { describe, it, before } from 'node:test';
import { useAuthserver } from '../lib/server.mjs';

describe('protected resource metadata (PRM)', () => {
  const h = useAuthserver();
  const URI = 'http://127.0.0.1:8080/mcp';
  const DEEP = 'http://127.0.0.1:8090/api/v1/tools';

  before(async () => {
    await h.srv.createResource({ slug: 'echo', uri: URI, scopes: ['mcp:echo', 'mcp:admin'], display_name: 'Echo MCP' });
    await h.srv.createResource({ slug: 'deep', uri: DEEP, scopes: ['tools:run'] });
  });

  function assertPrm(r, uri, scopes) {
    assert.equal(r.status, 200, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json\b/i);
    assert.equal(r.json.resource, uri);
    assert.deepEqual(r.json.authorization_servers, [h.srv.issuer]);
    assert.deepEqual([...r.json.scopes_supported].sort(), [...scopes].sort());
    assert.deepEqual(r.json.bearer_methods_supported, ['header']);
    if (r.json.resource_name !== undefined) assert.equal(typeof r.json.resource_name, 'string');
  }

  it('by the path suffix of the resource URI', async () => {
    const r = await h.srv.get('/.well-known/oauth-protected-resource/mcp');
    assertPrm(r, URI, ['mcp:echo', 'mcp:admin']);
  });

  it('by slug', async () => {
    const r = await h.srv.get('/.well-known/oauth-protected-resource/echo');
    assertPrm(r, URI, ['mcp:echo', 'mcp:admin']);
  });

  it('multi-segment path suffix', async () => {
    const r = await h.srv.get('/.well-known/oauth-protected-resource/api/v1/tools');
    assertPrm(r, DEEP, ['tools:run']);
    const bySlug = await h.srv.get('/.well-known/oauth-protected-resource/deep');
    assertPrm(bySlug, DEEP, ['tools:run']);
  });

  it('unknown reference → 404', async () => {
    const r = await h.srv.get('/.well-known/oauth-protected-resource/no-such-resource');
    assert.equal(r.status, 404, r.text);
    const r2 = await h.srv.get('/.well-known/oauth-protected-resource/mcp/extra');
    assert.equal(r2.status, 404, r2.text);
  });

  it('non-UTF-8 reference → 404', async () => {
    const r = await h.srv.get('/.well-known/oauth-protected-resource/%ff%fe');
    assert.equal(r.status, 404, r.text);
  });

  it('admin PATCH of a resource is reflected in PRM, AS metadata and the token endpoint', async () => {
    const r = await h.srv.createResource({ slug: 'mut', uri: 'http://127.0.0.1:8095/mut', scopes: ['m:one'] });
    assert.equal((await h.srv.get('/.well-known/oauth-protected-resource/mut')).status, 200);
    const p = await h.srv.admin('PATCH', `/admin/resources/${r.id}`, { scopes: [{ name: 'm:one' }, { name: 'm:two' }] });
    assert.equal(p.status, 200, p.text);
    const prm = await h.srv.get('/.well-known/oauth-protected-resource/mut');
    assert.deepEqual([...prm.json.scopes_supported].sort(), ['m:one', 'm:two'], prm.text);
    const meta = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.ok(meta.json.scopes_supported.includes('m:two'), meta.text);
    const c = await h.srv.createClient({ scope: 'm:one m:two' });
    const tok = await h.srv.tokenRequest({ grant_type: 'client_credentials', resource: 'http://127.0.0.1:8095/mut', scope: 'm:two' },
      { basic: [c.client_id, c.client_secret] });
    assert.equal(tok.status, 200, tok.text);
  });

  it('admin DELETE of a resource → PRM 404, metadata drops its scopes, token endpoint invalid_target', async () => {
    const r = await h.srv.createResource({ slug: 'gone', uri: 'http://127.0.0.1:8096/gone', scopes: ['g:only'] });
    assert.equal((await h.srv.get('/.well-known/oauth-protected-resource/gone')).status, 200);
    const d = await h.srv.admin('DELETE', `/admin/resources/${r.id}`);
    assert.ok(d.status === 204 || d.status === 200, d.text);
    assert.equal((await h.srv.get('/.well-known/oauth-protected-resource/gone')).status, 404);
    const meta = await h.srv.get('/.well-known/oauth-authorization-server');
    assert.ok(!(meta.json.scopes_supported ?? []).includes('g:only'), meta.text);
    const c = await h.srv.createClient({ scope: 'mcp:echo' });
    const tok = await h.srv.tokenRequest({ grant_type: 'client_credentials', resource: 'http://127.0.0.1:8096/gone' },
      { basic: [c.client_id, c.client_secret] });
    assert.equal(tok.status, 400, tok.text);
    assert.equal(tok.json.error, 'invalid_target', tok.text);
  });
});
