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

/**
 * Runs the entry point's loader for one bundle in a fresh node (with the cache trained for `family` when given): what
 * it exports and whether V8 took the cache.
 */
function cacheVerdict(bin: string, name: 'cli' | 'commands' | 'aws' | 'aws-refs' = 'cli', family?: 'decrypt' | 'sops' | 'helm'): string {
  const code = `const { loadBundle } = require(${JSON.stringify(bin)}); const { script, exports: e } = loadBundle('${name}', undefined, ${JSON.stringify(family ?? null)}); console.log(Object.keys(e).sort().join(','), script.cachedDataRejected);`;
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
    // One cache of the commands bundle per command family, each smaller than the general one (that is its point).
    for (const family of ['decrypt', 'sops', 'helm'] as const) {
      const size = statSync(join(ROOT, 'dist', `commands.cjs.${family}.cache`)).size;
      assert.ok(size > 100_000 && size < statSync(CACHE).size, `dist/commands.cjs.${family}.cache: ${size} bytes`);
      assert.equal(cacheVerdict(CLI, 'commands', family), 'link,load false');
    }
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

  it("a family's cache is the one read for that family; damaged, it costs only speed; missing, the general one serves", () => {
    const { dir, bin } = copyBuild();
    try {
      const plain = view(CLI);
      writeFileSync(join(dir, 'dist', 'commands.cjs.decrypt.cache'), Buffer.alloc(4096, 7));
      assert.equal(cacheVerdict(bin, 'commands', 'decrypt'), 'link,load true');
      assert.equal(cacheVerdict(bin, 'commands', 'helm'), 'link,load false');
      assert.equal(cacheVerdict(bin, 'commands'), 'link,load false');
      assert.equal(view(bin), plain);
      rmSync(join(dir, 'dist', 'commands.cjs.decrypt.cache'));
      assert.equal(cacheVerdict(bin, 'commands', 'decrypt'), 'link,load false');
      assert.equal(view(bin), plain);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CLI names the family of the command it runs before the commands bundle loads', () => {
    // The entry point's loader, recording what the front asks it for.
    const probe = (entry: string, argv: string[], env: NodeJS.ProcessEnv = testEnv()): string => {
      const code = `const b = require(${JSON.stringify(CLI)}); const asked = [];
const cli = b.loadBundle('cli');
cli.exports.startRun({ precompiled: (name, family) => { asked.push(name + ':' + (family || '-')); return b.loadBundle(name, undefined, family).exports; } });
cli.exports.main(${JSON.stringify(argv)}, ${JSON.stringify(entry)}).then((c) => { process.stderr.write('exit ' + c + '\\n'); process.stdout.write('\\nASKED ' + asked.join(' ')); });`;
      const r = spawnSync(process.execPath, ['-e', code], { encoding: 'utf8', env });
      assert.match(r.stderr, /exit 0\n$/, `${entry} ${argv.join(' ')}: ${r.stderr}`);
      // After the command's own output; what the front asked for before the commands bundle (agelib, ...) is not its business.
      return r.stdout.slice(r.stdout.lastIndexOf('\nASKED ') + 7).replace(/^.*?(?=commands:)/, '');
    };
    const dir = mkdtempSync(join(tmpdir(), 'hs-bundle-family-'));
    try {
      const file = join(dir, 'secrets.yaml');
      copyFileSync(AGE_FILE, file);
      assert.equal(probe('helm-secrets', ['view', file]), 'commands:decrypt');
      assert.equal(probe('helm-secrets', ['decrypt', '--output', join(dir, 'out.yaml'), file]), 'commands:decrypt');
      assert.equal(probe('helm-secrets', ['git', 'textconv', file]), 'commands:decrypt');
      assert.equal(probe('helm-secrets', ['downloader', '', '', '', `secrets://${file}`]), 'commands:decrypt');
      assert.equal(probe('sops', ['decrypt', file]), 'commands:sops');
      assert.equal(probe('sops', ['-d', file]), 'commands:sops');
      assert.equal(probe('helm-secrets', ['template', 'chart', '-f', file], { ...testEnv(), HELM_SECRETS_HELM_PATH: 'true', HELM_SECRETS_QUIET: 'true' }), 'commands:helm');
      // Also when HELM_SECRETS_LOAD_GPG_KEYS loads the commands bundle before the command runs (a keyring of its own).
      const gnupg = join(dir, 'gnupg');
      mkdirSync(gnupg, { mode: 0o700 });
      const keys = join(HS_VECTORS, 'tests', 'assets', 'gpg', 'private.gpg');
      assert.equal(probe('helm-secrets', ['view', file], { ...testEnv(), GNUPGHOME: gnupg, HELM_SECRETS_LOAD_GPG_KEYS: keys }), 'commands:decrypt');
      // Everything else loads the general cache.
      assert.equal(probe('helm-secrets', ['encrypt', '--help']), 'commands:-');
      assert.equal(probe('sops', ['filestatus', file]), 'commands:-');
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

  it('decrypting leaves the caches exactly as the build wrote them', () => {
    const caches = [CACHE, join(ROOT, 'dist', 'commands.cjs.decrypt.cache'), join(ROOT, 'dist', 'cli.cjs.cache')];
    const before = caches.map((f) => ({ bytes: readFileSync(f), mtimeMs: statSync(f).mtimeMs }));
    const r = spawnSync(process.execPath, [CLI, 'view', AGE_FILE], { encoding: 'utf8', env: testEnv() });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /\S/);
    caches.forEach((f, i) => {
      assert.equal(statSync(f).mtimeMs, before[i].mtimeMs, f);
      assert.equal(Buffer.compare(readFileSync(f), before[i].bytes), 0, f);
    });
  });
});
