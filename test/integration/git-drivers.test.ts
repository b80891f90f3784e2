// The textconv diff driver and the three-way merge driver, installed by `git setup` and called by git itself.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { assertMinimalDiff, decryptIn, encryptInto, fiftyKeys, git, gitRaw, hs, newRepo, sopsYaml, type Repo } from '../helpers/git.js';

function filesBelow(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) filesBelow(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** Every byte git stores (objects decompressed) plus every file of the work tree and .git. */
function repoText(repo: Repo): string {
  const objects = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch', '--unordered'], { cwd: repo.dir, encoding: 'latin1', maxBuffer: 1 << 28 }).stdout;
  return objects + filesBelow(repo.dir).map((f) => readFileSync(f, 'latin1')).join('\n');
}

describe('git textconv and merge drivers', function () {
  this.timeout(180000);
  let repo: Repo;
  const file = 'secrets.yaml';

  beforeEach(async () => {
    repo = await newRepo();
    sopsYaml(repo, [repo.key.recipient]);
    await encryptInto(repo, file, fiftyKeys());
    const r = hs(repo, ['git', 'setup', '--command', repo.command]);
    assert.equal(r.code, 0, r.stderr);
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', 'initial');
  });
  afterEach(() => repo.cleanup());

  it('setup writes the git config and .gitattributes, idempotently', () => {
    assert.match(git(repo, 'config', 'diff.sopsdiffer.textconv'), /git textconv/);
    assert.equal(git(repo, 'config', 'diff.sopsdiffer.cachetextconv').trim(), 'false');
    assert.match(git(repo, 'config', 'merge.sops.driver'), / git merge %O %A %B %P/);
    const attrs = readFileSync(join(repo.dir, '.gitattributes'), 'utf8');
    assert.match(attrs, /^secrets\*\.yaml diff=sopsdiffer merge=sops$/m);
    hs(repo, ['git', 'setup', '--command', repo.command]);
    assert.equal(readFileSync(join(repo.dir, '.gitattributes'), 'utf8'), attrs);
  });

  it('setup refuses a .gitattributes that is a symlink (leaving its target as it was) or a FIFO, in one line', function () {
    if (process.platform === 'win32') this.skip();
    const attrs = join(repo.dir, '.gitattributes');
    rmSync(attrs);
    const target = join(repo.dir, '..', `outside-${randomBytes(4).toString('hex')}`);
    writeFileSync(target, 'precious\n');
    try {
      symlinkSync(target, attrs);
      const r = hs(repo, ['git', 'setup', '--command', repo.command]);
      assert.notEqual(r.code, 0, r.stderr);
      assert.match(r.stderr, /^\[helm-secrets\] Error: .*\.gitattributes is a symbolic link; refusing to write through it[^\n]*\n$/);
      assert.equal(readFileSync(target, 'utf8'), 'precious\n');
      rmSync(attrs);
      assert.equal(spawnSync('mkfifo', [attrs]).status, 0);
      const f = hs(repo, ['git', 'setup', '--command', repo.command]);
      assert.notEqual(f.code, 0, f.stderr);
      assert.match(f.stderr, /^\[helm-secrets\] Error: [^\n]*\.gitattributes[^\n]*FIFO[^\n]*\n$/);
    } finally {
      rmSync(target, { force: true });
    }
  });

  it('git diff, git log -p and git show print the plaintext change', () => {
    assert.equal(hs(repo, ['set', file, '["key07"]', '"seven"']).code, 0);
    const diff = git(repo, 'diff');
    assert.match(diff, /^-key07: value07$/m);
    assert.match(diff, /^\+key07: seven$/m);
    assert.doesNotMatch(diff, /ENC\[/);
    git(repo, 'commit', '-qam', 'seven');
    assert.match(git(repo, 'log', '-p', '-1'), /^\+key07: seven$/m);
    assert.match(git(repo, 'show', 'HEAD'), /^-key07: value07$/m);
    // the stored blob is still encrypted
    assert.doesNotMatch(git(repo, 'show', `HEAD:${file}`), /seven/);
  });

  it('branches changing different keys merge cleanly; the result decrypts with a valid MAC and a minimal diff', async () => {
    git(repo, 'checkout', '-q', '-b', 'other');
    assert.equal(hs(repo, ['set', file, '["key40"]', '"theirs40"']).code, 0);
    git(repo, 'commit', '-qam', 'theirs');
    git(repo, 'checkout', '-q', 'main');
    assert.equal(hs(repo, ['set', file, '["key03"]', '"ours03"']).code, 0);
    git(repo, 'commit', '-qam', 'ours');
    const ours = readFileSync(join(repo.dir, file), 'utf8');
    const m = gitRaw(repo, 'merge', '--no-edit', 'other');
    assert.equal(m.code, 0, m.stdout + m.stderr);
    const plain = await decryptIn(repo, file);
    assert.match(plain, /^key03: ours03$/m);
    assert.match(plain, /^key40: theirs40$/m);
    assert.match(plain, /^key41: value41$/m);
    // against ours: their one value line plus lastmodified and mac; key40's line is their exact ciphertext
    assertMinimalDiff(repo, ['key40'], 'HEAD~1', 'HEAD', '--', file);
    const theirsLine = git(repo, 'show', `other:${file}`).split('\n').find((l) => l.startsWith('key40:'));
    assert.ok(readFileSync(join(repo.dir, file), 'utf8').includes(theirsLine!));
    assert.notEqual(readFileSync(join(repo.dir, file), 'utf8'), ours);
  });

  it('both sides changing the same key: a conflict, no plaintext in the repository, a private decrypted view', async () => {
    const oursSecret = `ours-${randomBytes(8).toString('hex')}`;
    const theirsSecret = `theirs-${randomBytes(8).toString('hex')}`;
    git(repo, 'checkout', '-q', '-b', 'other');
    assert.equal(hs(repo, ['set', file, '["key10"]', JSON.stringify(theirsSecret)]).code, 0);
    assert.equal(hs(repo, ['set', file, '["key20"]', '"clean20"']).code, 0);
    git(repo, 'commit', '-qam', 'theirs');
    git(repo, 'checkout', '-q', 'main');
    assert.equal(hs(repo, ['set', file, '["key10"]', JSON.stringify(oursSecret)]).code, 0);
    git(repo, 'commit', '-qam', 'ours');
    const m = gitRaw(repo, 'merge', '--no-edit', 'other');
    assert.notEqual(m.code, 0, 'the merge must stop on the conflict');
    assert.match(git(repo, 'status', '--porcelain'), /^UU secrets\.yaml$/m);
    const everything = repoText(repo);
    assert.ok(!everything.includes(oursSecret) && !everything.includes(theirsSecret), 'no plaintext anywhere in the repository');
    assert.doesNotMatch(readFileSync(join(repo.dir, file), 'utf8'), /<<<<<<<|>>>>>>>/);
    // the tracked file is a valid encrypted file: ours at the conflict, the clean change from theirs merged
    const plain = await decryptIn(repo, file);
    assert.match(plain, new RegExp(`^key10: ${oursSecret}$`, 'm'));
    assert.match(plain, /^key20: clean20$/m);
    const viewPath = /Decrypted conflict view \(delete it when done\): (\S+)/.exec(m.stderr)?.[1];
    assert.ok(viewPath && existsSync(viewPath), m.stderr);
    assert.ok(!viewPath.startsWith(repo.dir));
    assert.equal(statSync(viewPath).mode & 0o777, 0o600);
    assert.equal(statSync(join(viewPath, '..')).mode & 0o777, 0o700);
    const view = readFileSync(viewPath, 'utf8');
    assert.match(view, new RegExp(`# \\["key10"\\]\\n<<<<<<< ours\\n"${oursSecret}"\\n\\|\\|\\|\\|\\|\\|\\| base\\n"value10"\\n=======\\n"${theirsSecret}"\\n>>>>>>> theirs`));
    assert.doesNotMatch(view, /key20/);
  });
});
