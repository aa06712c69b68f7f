// The C++ examples: each verify script passes against the real binaries, and the integration in
// 01 and retrofit/after is exactly five lines between the authplane markers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BIN_DIR } from '../lib/server.mjs';

const root = path.resolve(import.meta.dirname, '..', '..');
const examples = path.join(root, 'examples', 'cpp');

function markedLines(file) {
  const lines = readFileSync(path.join(examples, file), 'utf8').split('\n');
  const begin = lines.findIndex((l) => l.trim() === '// authplane:begin');
  const end = lines.findIndex((l) => l.trim() === '// authplane:end');
  assert.ok(begin >= 0 && end > begin, `${file}: markers missing`);
  return lines.slice(begin + 1, end).filter((l) => l.trim() !== '');
}

for (const file of ['01-mcp-server-basic/main.cpp', 'retrofit-existing-mcp-server/after/main.cpp']) {
  test(`${file}: the auth block is five lines`, () => {
    const block = markedLines(file);
    assert.equal(block.length, 5, block.join('\n'));
    assert.match(block[0], /authplane::mcp::auth\(\{/);
    assert.match(block.at(-1), /auth\.protect\(/);
  });
}

test('retrofit: after differs from before only by the include, comments and the marked block', () => {
  const strip = (f) => readFileSync(path.join(examples, 'retrofit-existing-mcp-server', f), 'utf8')
    .split('\n').filter((l) => !l.startsWith('//') && !l.includes('authplane/sdk/mcp_auth.hpp'));
  const before = strip('before/main.cpp');
  const after = strip('after/main.cpp');
  const begin = after.findIndex((l) => l.trim() === '// authplane:begin');
  const end = after.findIndex((l) => l.trim() === '// authplane:end');
  const afterOutside = [...after.slice(0, begin), ...after.slice(end + 1)];
  const beforeWithoutRun = before.filter((l) => !l.includes('srv.run('));
  assert.deepEqual(afterOutside, beforeWithoutRun);
});

for (const dir of ['01-mcp-server-basic', '02-agent-basic', '03-mcp-server-dpop-scopes', 'retrofit-existing-mcp-server']) {
  test(`examples/cpp/${dir}/verify.sh passes`, () => {
    const r = spawnSync('bash', [path.join(examples, dir, 'verify.sh')], {
      env: { ...process.env, AUTHPLANE_BIN: BIN_DIR }, encoding: 'utf8', timeout: 120_000,
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /: verified\n$/);
  });
}
