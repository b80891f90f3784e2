// The built CLI: CommonJS bundles (the CLI, and the AWS SDK apart) run from V8's code caches. The caches the build
// trained must be ones this node accepts, a cache it does not accept must only cost speed, and a user's run must
// never write one.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { testEnv } from '../helpers/env.js';
import { CLI, HS_VECTORS, ROOT } from '../helpers/paths.js';

const CACHE = join(ROOT, 'dist', 'cli.cjs.cache');
const AGE_FILE = join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.age.yaml');

/** Runs the entry point's loader for one bundle in a fresh node: what it exports and whether V8 took the cache. */
function cacheVerdict(bin: string, name: 'cli' | 'aws' = 'cli'): string {
  const code = `const { loadBundle } = require(${JSON.stringify(bin)}); const { script, exports: e } = loadBundle('${name}'); console.log(Object.keys(e).sort().join(','), script.cachedDataRejected);`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('the bundled CLI and its code cache', () => {
  it('the build leaves code caches this node accepts, for the CLI and for the AWS SDK bundle', () => {
    assert.ok(statSync(CACHE).size > 100_000, 'dist/cli.cjs.cache is missing or nearly empty');
    assert.equal(cacheVerdict(CLI), 'VERSION,main,startRun false');
    assert.ok(statSync(join(ROOT, 'dist', 'aws.cjs.cache')).size > 100_000, 'dist/aws.cjs.cache is missing or nearly empty');
    assert.equal(cacheVerdict(CLI, 'aws'), 'clientKms,clientSts false');
  });

  it('a cache V8 rejects costs only speed: the CLI compiles the bundle and works', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-bundle-'));
    try {
      mkdirSync(join(dir, 'bin'));
      for (const f of ['helm-secrets.js', 'package.json']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'cli.cjs.cache'), Buffer.alloc(4096, 7));
      assert.equal(cacheVerdict(join(dir, 'bin', 'helm-secrets.js')), 'VERSION,main,startRun true');
      const r = spawnSync(process.execPath, [join(dir, 'bin', 'helm-secrets.js'), '--version'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), pkg.version);
      rmSync(join(dir, 'dist', 'cli.cjs.cache'));
      const again = spawnSync(process.execPath, [join(dir, 'bin', 'helm-secrets.js'), '--version'], { encoding: 'utf8' });
      assert.equal(again.stdout.trim(), pkg.version, again.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('decrypting leaves the cache exactly as the build wrote it', () => {
    const before = readFileSync(CACHE);
    const { mtimeMs } = statSync(CACHE);
    const r = spawnSync(process.execPath, [CLI, 'view', AGE_FILE], { encoding: 'utf8', env: testEnv() });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\S/);
    assert.equal(statSync(CACHE).mtimeMs, mtimeMs);
    assert.equal(Buffer.compare(readFileSync(CACHE), before), 0);
  });
});
