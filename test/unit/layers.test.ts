// The architecture's import rules, checked on the source: lower layers never import higher ones, and a few
// modules are reached only through their interface. A new import that breaks a rule fails here with its file.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { ROOT } from '../helpers/paths.js';

const SRC = join(ROOT, 'src');

function files(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) files(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

interface Edge {
  from: string;
  to: string;
}

/** Every relative import (static, `import()` and `export ... from`) of every module, as paths below src/. */
function edges(): Edge[] {
  const out: Edge[] = [];
  const re = /(?:from\s+|import\s*\(\s*)'(\.[^']+)'/g;
  for (const f of files(SRC)) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(re)) {
      const target = resolve(dirname(f), m[1]!).replace(/\.js$/, '.ts');
      out.push({ from: relative(SRC, f), to: relative(SRC, target) });
    }
  }
  return out;
}

/** The layer of a module: its top directory under src/, or the root module's own name. */
function layer(path: string): string {
  const parts = path.split('/');
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, '');
}

// Modules at the root of src/ that any layer may use: errors, redaction, and the small shared helpers (packages:
// loading npm packages at run time; stdio: our writes to stdout and stderr).
const SHARED = new Set(['errors', 'redact', 'shellwords', 'privatedir', 'lock', 'log', 'packages', 'clock', 'stdio']);

// What each layer may import (besides itself and the shared modules).
const ALLOWED: Record<string, string[]> = {
  sops: [],
  keys: ['sops', 'io'],
  config: ['sops', 'keys', 'io'],
  io: [],
  engine: ['sops', 'keys', 'config', 'io'],
  edit: ['sops', 'config', 'engine', 'io', 'keys/types'],
  refs: ['sops', 'keys', 'config', 'engine', 'io'],
  helm: ['sops', 'keys', 'config', 'engine', 'io', 'refs'],
  cli: ['sops', 'keys', 'config', 'engine', 'io', 'edit', 'helm', 'refs'],
};

describe('architecture: layer rules', () => {
  const all = edges();

  it('finds the imports', () => assert.ok(all.length > 200, `${all.length} imports`));

  it('no layer imports a higher one', () => {
    const bad: string[] = [];
    for (const e of all) {
      if (e.to.startsWith('..')) continue; // package.json
      const from = layer(e.from);
      const to = layer(e.to);
      if (from === to || SHARED.has(to)) continue;
      const allowed = ALLOWED[from];
      assert.ok(allowed, `no rule for the layer of ${e.from}`);
      const target = e.to.replace(/\.ts$/, '');
      if (!allowed.includes(to) && !allowed.includes(target)) bad.push(`${e.from} -> ${e.to}`);
    }
    assert.deepEqual(bad, []);
  });

  it('src/sops/ is pure: no I/O, no processes, no key services', () => {
    const bad: string[] = [];
    for (const f of files(join(SRC, 'sops'))) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/from\s+'(node:(?:fs|child_process|net|http|https|os)(?:\/promises)?)'/g)) bad.push(`${relative(SRC, f)}: ${m[1]}`);
    }
    assert.deepEqual(bad, []);
  });

  it('no test file imports another test file (shared parts live in test/helpers/)', () => {
    const bad: string[] = [];
    for (const f of files(join(ROOT, 'test'))) {
      for (const m of readFileSync(f, 'utf8').matchAll(/from\s+'([^']+\.test\.js)'/g)) bad.push(`${relative(ROOT, f)} -> ${m[1]}`);
    }
    assert.deepEqual(bad, []);
  });

  it('shared root modules import no layer', () => {
    const bad = all.filter((e) => SHARED.has(layer(e.from)) && !SHARED.has(layer(e.to)));
    assert.deepEqual(bad.map((e) => `${e.from} -> ${e.to}`), []);
  });
});
