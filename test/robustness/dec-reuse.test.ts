// Issue 14, item 1: reusing an existing FILE.dec ("Decrypt skipped") must not open a way around the Argo CD path
// guards or let another user choose what is deployed. Through the built wrapper and real helm 3.18 and 4.1.4:
// a FILE.dec symlinked out of the repository is refused when symlinks are not allowed (as naming it directly is);
// a FILE.dec in a shared HELM_SECRETS_DEC_DIR that another user owns, or that others can write, is ignored with a
// warning and FILE is decrypted instead; the user's own private FILE.dec is still reused.
import { strict as assert } from 'node:assert';
import { chmodSync, chownSync, existsSync, lchownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { HELM, ROOT } from '../helpers/paths.js';
import { runCliBounded } from '../helpers/proc.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
const GUARDS = { HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH: 'false', HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL: 'false', HELM_SECRETS_VALUES_ALLOW_SYMLINKS: 'false' };
const PRIVATE = 'PRIVATE-KEY-MATERIAL-outside-the-repo';
const isRoot = process.getuid?.() === 0;

for (const version of ['v3', 'v4'] as const) {
  describe(`issue 14 item 1: FILE.dec reuse passes the guards and the trust check (helm ${version})`, function () {
    this.timeout(60000);
    const helm = HELM[version];
    let dir: string;
    let repo: string;
    let t0 = Date.now();

    before(async function () {
      t0 = Date.now();
      if (!existsSync(helm)) {
        if (process.env.CI === 'true') throw new Error(`${helm} is missing`);
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), `hs-decreuse-${version}-`));
      repo = join(dir, 'repo');
      mkdirSync(repo);
      mkdirSync(join(dir, 'private'));
      writeFileSync(join(dir, 'private', 'key.txt'), PRIVATE);
      writeFileSync(join(dir, 'private', 'values.yaml'), `global_secret: ${PRIVATE}\n`);
      const f = join(repo, 'secrets.yaml');
      writeFileSync(f, await encryptBytes(Buffer.from('global_secret: the-real-encrypted-value\n'), f, { env: testEnv(), flags: { keys: { age: [AGE] } } }));
      writeFileSync(join(repo, 'config.yaml'), 'plain: config\n');
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      console.log(`      [issue14 item 1, helm ${version}] FILE.dec reuse cases took ${Date.now() - t0} ms`);
    });

    const run = (args: string[], extra: Record<string, string> = {}) =>
      runCliBounded(['template', 'x', CHART, ...args], testEnv({ HELM_SECRETS_HELM_PATH: helm, ...extra }), 30000).then((r) => ({ ...r, out: r.stdout.toString('utf8') }));

    // runCliBounded has no cwd option: the child inherits ours, so the references stay relative to the repository.
    const runIn = async (cwd: string, args: string[], extra: Record<string, string> = {}) => {
      const prev = process.cwd();
      process.chdir(cwd);
      try {
        return await run(args, extra);
      } finally {
        process.chdir(prev);
      }
    };

    it('a FILE.dec symlinked out of the repository is refused with every guard on (--set-file and -f)', async () => {
      const link = join(repo, 'config.yaml.dec');
      const vlink = join(repo, 'secrets.yaml.dec');
      symlinkSync(join(dir, 'private', 'key.txt'), link);
      symlinkSync(join(dir, 'private', 'values.yaml'), vlink);
      try {
        for (const args of [['--set-file', 'global_secret=config.yaml'], ['-f', 'secrets.yaml']]) {
          const r = await runIn(repo, args, GUARDS);
          assert.notEqual(r.code, 0, `${args.join(' ')} rendered: ${r.out}`);
          assert.doesNotMatch(r.out, new RegExp(PRIVATE), 'the linked file reached the manifest');
          assert.match(r.stderr, /\.dec' is a symlink\. Symlinks are not allowed\./);
        }
        // Without the symlink guard, the user's own link is theirs to use.
        const ok = await runIn(repo, ['--set-file', 'global_secret=config.yaml'], { ...GUARDS, HELM_SECRETS_VALUES_ALLOW_SYMLINKS: 'true' });
        assert.equal(ok.code, 0, ok.stderr);
        assert.match(ok.out, new RegExp(PRIVATE));
      } finally {
        rmSync(link);
        rmSync(vlink);
      }
    });

    it("the user's own private FILE.dec is still reused (Decrypt skipped)", async () => {
      const dec = join(repo, 'secrets.yaml.dec');
      writeFileSync(dec, 'global_secret: from-my-own-dec-file\n', { mode: 0o600 });
      try {
        const r = await runIn(repo, ['-f', 'secrets.yaml'], GUARDS);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.out, /global_secret: "from-my-own-dec-file"/);
        assert.match(r.stderr, /Decrypt skipped: secrets\.yaml/);
      } finally {
        rmSync(dec);
      }
    });

    const planted: [string, (f: string) => void, boolean][] = [
      ['writable by others (mode 0666)', (f) => chmodSync(f, 0o666), false],
      ['writable by its group (mode 0620)', (f) => chmodSync(f, 0o620), false],
      ['owned by another user (uid 65534)', (f) => chownSync(f, 65534, 65534), true],
      // The worst plant: another user's symlink to one of your own private files, which passes every check itself.
      ['that is another user\'s symlink to your own private file', (f) => {
        rmSync(f);
        symlinkSync(join(dir, 'private', 'values.yaml'), f);
        lchownSync(f, 65534, 65534);
      }, true],
    ];
    for (const [name, plant, needsRoot] of planted) {
      it(`a FILE.dec in a shared HELM_SECRETS_DEC_DIR ${name} is ignored with a warning; FILE is decrypted`, async function () {
        if (needsRoot && !isRoot) this.skip();
        const shared = mkdtempSync(join(dir, 'shared-'));
        chmodSync(shared, 0o1777);
        const f = join(shared, '._secrets.yaml.dec');
        writeFileSync(f, 'global_secret: planted-by-someone-else\n', { mode: 0o600 });
        plant(f);
        // With every guard on and with none: either way the plant is ignored, not refused (no one can block a deploy).
        for (const guards of [GUARDS, {}]) {
          const r = await runIn(repo, ['-f', 'secrets.yaml'], { ...guards, HELM_SECRETS_DEC_DIR: shared });
          assert.equal(r.code, 0, r.stderr);
          assert.doesNotMatch(r.out, /planted-by-someone-else/, 'the planted file was deployed');
          assert.doesNotMatch(r.out, new RegExp(PRIVATE), 'the linked private file was deployed');
          assert.match(r.out, /global_secret: "the-real-encrypted-value"/);
          assert.match(r.stderr, /Warning: ignoring .*\._secrets\.yaml\.dec: it (is owned by uid 65534|can be written by|is a symlink owned by uid 65534)/);
          assert.match(r.stderr, /Decrypt: secrets\.yaml/);
        }
      });
    }
  });
}
