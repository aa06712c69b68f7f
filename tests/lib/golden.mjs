// Golden-file loading: tests/golden/<name>.json with "{{ISSUER}}" placeholders.
import fs from 'node:fs';
import path from 'node:path';

export const GOLDEN_DIR = path.resolve(import.meta.dirname, '..', 'golden');

function substitute(value, vars) {
  if (typeof value === 'string') {
    return value.replace(/\{\{(\w+)\}\}/g, (m, k) => (k in vars ? vars[k] : m));
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, vars));
  if (value && typeof value === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, vars);
    return out;
  }
  return value;
}

/** Loads a golden JSON file (key order preserved) and substitutes {{VARS}}. */
export function loadGolden(name, vars = {}) {
  const raw = JSON.parse(fs.readFileSync(path.join(GOLDEN_DIR, name), 'utf8'));
  return substitute(raw, vars);
}
