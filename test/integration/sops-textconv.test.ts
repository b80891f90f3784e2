// bin/sops serving a real tool: git's textconv set up the way sops's README documents it
// (`git config diff.sopsdiffer.textconv "sops decrypt"`, `*.yaml diff=sopsdiffer` in .gitattributes), with bin/sops
// first on PATH and no other sops involved: git diff, git log -p and git show print readable changes, the stored
// blobs stay encrypted.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { ROOT } from '../helpers/paths.js';
import { git, newRepo, type Repo } from '../helpers/git.js';
import { helmHome, type HelmVersion } from '../helpers/helmhome.js';
import { testEnv } from '../helpers/env.js';

const BIN = join(ROOT, 'bin');

describe('bin/sops as the textconv of git (sops README setup)', function () {
  this.timeout(120000);
  let repo: Repo;
  let extra: string | undefined;

  function sh(cmd: string[], env = repo.env): { code: number; out: string; err: string } {
    const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: repo.dir, env, encoding: 'utf8' });
    return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
  }

  async function setUp(binDir: string): Promise<void> {
    repo = await newRepo();
    repo.env = { ...repo.env, PATH: `${binDir}${delimiter}${repo.env.PATH ?? ''}` };
    // The sops git finds is this one.
    assert.equal(sh(['sh', '-c', 'command -v sops']).out.trim(), join(binDir, 'sops'));
    writeFileSync(join(repo.dir, '.sops.yaml'), `creation_rules:\n  - age: ${repo.key.recipient}\n`);
    writeFileSync(join(repo.dir, 'secrets.yaml'), 'db:\n  user: app\n  password: first-password\napi_token: tok-0001\n');
    const enc = sh(['sops', 'encrypt', '-i', 'secrets.yaml']);
    assert.equal(enc.code, 0, enc.err);
    git(repo, 'config', 'diff.sopsdiffer.textconv', 'sops decrypt');
    writeFileSync(join(repo.dir, '.gitattributes'), '*.yaml diff=sopsdiffer\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'initial');
  }

  afterEach(() => {
    repo?.cleanup();
    if (extra) rmSync(extra, { recursive: true, force: true });
    extra = undefined;
  });

  it('git diff, git log -p and git show print the decrypted change', async () => {
    await setUp(BIN);
    const set = sh(['sops', 'set', 'secrets.yaml', '["db"]["password"]', '"second-password"']);
    assert.equal(set.code, 0, set.err);
    const diff = git(repo, 'diff');
    assert.match(diff, /^- +password: first-password$/m);
    assert.match(diff, /^\+ +password: second-password$/m);
    assert.doesNotMatch(diff, /ENC\[|^[-+]\s*(mac|lastmodified):/m);
    // Without the textconv, the same diff is ciphertext: it is the driver that makes it readable.
    assert.match(git(repo, 'diff', '--no-textconv'), /ENC\[AES256_GCM/);
    git(repo, 'commit', '-qam', 'rotate the database password');
    const log = git(repo, 'log', '-p', '-1');
    assert.match(log, /^\+ +password: second-password$/m);
    assert.match(log, /^- +password: first-password$/m);
    assert.match(git(repo, 'show', 'HEAD'), /^\+ +password: second-password$/m);
    // What git stores is still encrypted.
    assert.doesNotMatch(git(repo, 'show', 'HEAD:secrets.yaml'), /second-password/);
  });

  it('a symlink to bin/sops on PATH works the same (its own directory is found through the link)', async () => {
    extra = mkdtempSync(join(tmpdir(), 'sops-link-'));
    symlinkSync(join(BIN, 'sops'), join(extra, 'sops'));
    await setUp(extra);
    const set = sh(['sops', 'set', 'secrets.yaml', '["api_token"]', '"tok-0002"']);
    assert.equal(set.code, 0, set.err);
    const diff = git(repo, 'diff');
    assert.match(diff, /^-api_token: tok-0001$/m);
    assert.match(diff, /^\+api_token: tok-0002$/m);
  });

  it('a file the key cannot open fails the diff with sops\'s message, no plaintext, no ciphertext passed as text', async () => {
    await setUp(BIN);
    const env = { ...repo.env, SOPS_AGE_KEY_FILE: join(repo.aux, 'no-such-keys.txt') };
    writeFileSync(join(repo.dir, 'secrets.yaml'), 'changed: true\n');
    const r = sh(['git', 'diff'], env);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /failed to get the data key/);
    assert.doesNotMatch(r.out + r.err, /first-password/);
  });

  for (const version of ['v3', 'v4'] as HelmVersion[]) {
    it(`installed as a helm ${version} plugin: the README's PATH lines find bin/sops ($(helm secrets dir)/bin, helm env HELM_PLUGINS)`, function () {
      const base = testEnv();
      const home = helmHome(this, version, base);
      extra = home.dir;
      const env = { ...base, ...home.env, PATH: `${dirname(home.helm)}${delimiter}${base.PATH ?? ''}` };
      const run = (script: string) => spawnSync('sh', ['-c', script], { env, encoding: 'utf8' });
      const viaDir = run('PATH="$(helm secrets dir)/bin:$PATH"; command -v sops; sops --version');
      assert.equal(viaDir.status, 0, viaDir.stderr);
      const [where, line] = viaDir.stdout.trim().split('\n');
      assert.equal(line, 'sops 3.13.2');
      const plugins = run('helm env HELM_PLUGINS').stdout.trim();
      assert.ok(where!.startsWith(plugins + '/'), `${where} is not below ${plugins}`);
      const viaEnv = run('for d in "$(helm env HELM_PLUGINS)"/*/; do [ -x "$d/bin/sops" ] && PATH="$d/bin:$PATH"; done; sops --version');
      assert.equal(viaEnv.stdout, 'sops 3.13.2\n', viaEnv.stderr);
    });
  }
});
