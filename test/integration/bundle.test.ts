// The built CLI: CommonJS bundles (the CLI's front, its commands, and the AWS SDK apart) run from V8's code caches.
// The caches the build trained must be ones this node accepts, a cache it does not accept or a missing one must only
// cost speed, a user's run must never write one, and `version` must not need more than the front.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pkg from '../../package.json' with { type: 'json' };
import { testEnv } from '../helpers/env.js';
import { CLI, HS_VECTORS, ROOT } from '../helpers/paths.js';

const CACHE = join(ROOT, 'dist', 'commands.cjs.cache');
const AGE_FILE = join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.age.yaml');

/** Runs the entry point's loader for one bundle in a fresh node: what it exports and whether V8 took the cache. */
function cacheVerdict(bin: string, name: 'cli' | 'commands' | 'aws' | 'aws-refs' = 'cli'): string {
  const code = `const { loadBundle } = require(${JSON.stringify(bin)}); const { script, exports: e } = loadBundle('${name}'); console.log(Object.keys(e).sort().join(','), script.cachedDataRejected);`;
  const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

describe('the bundled CLI and its code cache', () => {
  it('the build leaves code caches this node accepts, for both halves of the CLI and for the AWS SDK bundles', () => {
    assert.ok(statSync(join(ROOT, 'dist', 'cli.cjs.cache')).size > 10_000, 'dist/cli.cjs.cache is missing or nearly empty');
    assert.equal(cacheVerdict(CLI), 'VERSION,main,startRun false');
    assert.ok(statSync(CACHE).size > 100_000, 'dist/commands.cjs.cache is missing or nearly empty');
    assert.equal(cacheVerdict(CLI, 'commands'), 'link,load false');
    assert.ok(statSync(join(ROOT, 'dist', 'aws.cjs.cache')).size > 100_000, 'dist/aws.cjs.cache is missing or nearly empty');
    assert.equal(cacheVerdict(CLI, 'aws'), 'clientKms,clientSts false');
    assert.ok(statSync(join(ROOT, 'dist', 'aws-refs.cjs.cache')).size > 100_000, 'dist/aws-refs.cjs.cache is missing or nearly empty');
    assert.equal(cacheVerdict(CLI, 'aws-refs'), 's3,secretsManager,ssm false');
  });

  /** A copy of bin/ and dist/ in a fresh directory (node_modules linked), for tests that damage the build. */
  function copyBuild(): { dir: string; bin: string } {
    const dir = mkdtempSync(join(tmpdir(), 'hs-bundle-'));
    mkdirSync(join(dir, 'bin'));
    for (const f of ['helm-secrets.js', 'package.json']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    return { dir, bin: join(dir, 'bin', 'helm-secrets.js') };
  }

  function view(bin: string): string {
    const r = spawnSync(process.execPath, [bin, 'view', AGE_FILE], { encoding: 'utf8', env: testEnv() });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  }

  it('a cache V8 rejects, or a missing one, costs only speed: the CLI compiles the bundle and works', () => {
    const { dir, bin } = copyBuild();
    try {
      const plain = view(CLI);
      assert.match(plain, /\S/);
      for (const name of ['cli', 'commands']) writeFileSync(join(dir, 'dist', `${name}.cjs.cache`), Buffer.alloc(4096, 7));
      assert.equal(cacheVerdict(bin), 'VERSION,main,startRun true');
      assert.equal(cacheVerdict(bin, 'commands'), 'link,load true');
      const r = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout.trim(), pkg.version);
      assert.equal(view(bin), plain);
      for (const name of ['cli', 'commands']) rmSync(join(dir, 'dist', `${name}.cjs.cache`));
      const again = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
      assert.equal(again.stdout.trim(), pkg.version, again.stderr);
      assert.equal(view(bin), plain);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the AWS clients of the references come from their bundle alone, with no node_modules beside it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-bundle-'));
    try {
      mkdirSync(join(dir, 'bin'));
      for (const f of ['helm-secrets.js', 'package.json']) copyFileSync(join(ROOT, 'bin', f), join(dir, 'bin', f));
      cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
      const refs = `const { loadBundle } = require(${JSON.stringify(join(dir, 'bin', 'helm-secrets.js'))}); const a = loadBundle('aws-refs').exports; console.log([typeof a.secretsManager().SecretsManagerClient, typeof a.ssm().SSMClient, typeof a.s3().S3Client].join());`;
      const loaded = spawnSync(process.execPath, ['-e', refs], { encoding: 'utf8', env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } });
      assert.equal(loaded.stdout.trim(), 'function,function,function', loaded.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('version, --help and dir run from the front alone; a command loads the commands bundle', () => {
    const { dir, bin } = copyBuild();
    try {
      rmSync(join(dir, 'dist', 'commands.cjs'));
      for (const [argv, want] of [[['version'], `${pkg.version}\n`], [['--version'], `${pkg.version}\n`], [['--help'], /^Usage:/m], [['dir'], /\S/]] as const) {
        const r = spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', env: { ...testEnv(), HELM_PLUGIN_DIR: dir } });
        assert.equal(r.status, 0, `${argv.join(' ')}: ${r.stderr}`);
        if (typeof want === 'string') assert.equal(r.stdout, want);
        else assert.match(r.stdout, want);
      }
      const r = spawnSync(process.execPath, [bin, 'view', AGE_FILE], { encoding: 'utf8', env: testEnv() });
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /commands\.cjs/);
      assert.equal(r.stdout, '');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the two halves share one copy of the front modules: -q given before the command silences the commands', () => {
    // src/cli/console.ts keeps the quiet flag; a second copy in dist/commands.cjs would not see it.
    const file = join(mkdtempSync(join(tmpdir(), 'hs-bundle-q-')), 'secrets.yaml');
    try {
      copyFileSync(AGE_FILE, file);
      const loud = spawnSync(process.execPath, [CLI, 'dec', file], { encoding: 'utf8', env: testEnv() });
      assert.equal(loud.status, 0, loud.stderr);
      assert.match(loud.stderr, /Decrypted/);
      const quiet = spawnSync(process.execPath, [CLI, '-q', 'dec', file], { encoding: 'utf8', env: testEnv() });
      assert.equal(quiet.status, 0, quiet.stderr);
      assert.equal(quiet.stderr, '');
    } finally {
      rmSync(dirname(file), { recursive: true, force: true });
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
