// Private directories that a run could not wipe (src/helm/cleanup.ts cleanStaleDirs): a lock naming a dead process,
// and a lock that names none because its run died (or its tmpfs filled up) between creating the file and writing
// it, are removed; a fresh unnamed lock, a directory without a lock, and anything that is not ours or not a plain
// file stay, without waiting on a FIFO someone put there. A PrivateDir whose lock cannot be written leaves nothing.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs, { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateDir } from '../../src/edit/private.js';
import { CUT_LOCK_AGE_MS, cleanStaleDirs } from '../../src/helm/cleanup.js';
import { LOCK_FILE } from '../../src/privatedir.js';

/** A `helm-secrets-NAME` directory holding a file that stands for plaintext, and `lock` (if any) as its lock. */
function privateDir(root: string, name: string, lock?: string, ageMs = 0): string {
  const dir = join(root, `helm-secrets-${name}`);
  mkdirSync(dir, { mode: 0o700 });
  writeFileSync(join(dir, 'v-0'), 'password: left-behind\n');
  if (lock !== undefined) {
    writeFileSync(join(dir, LOCK_FILE), lock);
    const t = (Date.now() - ageMs) / 1000;
    utimesSync(join(dir, LOCK_FILE), t, t);
  }
  return dir;
}

describe('stale private directories', () => {
  let root: string;
  beforeEach(() => (root = mkdtempSync(join(tmpdir(), 'hs-stale-unit-'))));
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes a dead run\'s directory and one whose lock was cut short over a minute ago; keeps the rest', async () => {
    const dead = spawn('true');
    await new Promise((r) => dead.on('close', r));
    const old = CUT_LOCK_AGE_MS + 5_000;
    const gone = [
      privateDir(root, 'dead', JSON.stringify({ pid: dead.pid, start: null })),
      privateDir(root, 'empty-old', '', old),
      privateDir(root, 'cut-old', '{"pid":12', old),
      privateDir(root, 'nopid-old', '{"start":null}', old),
    ];
    const kept = [
      privateDir(root, 'live', JSON.stringify({ pid: process.pid, start: null })),
      privateDir(root, 'empty-new', '', 1_000),
      privateDir(root, 'no-lock'),
    ];
    mkdirSync(join(root, 'other-tool'), { mode: 0o700 });
    writeFileSync(join(root, 'other-tool', LOCK_FILE), '');
    assert.equal(await cleanStaleDirs([root]), gone.length);
    for (const d of gone) assert.equal(existsSync(d), false, d);
    for (const d of kept) assert.equal(existsSync(join(d, 'v-0')), true, d);
    assert.equal(existsSync(join(root, 'other-tool')), true);
  });

  it('takes the age from the lock: the same cut lock goes once it is a minute old', async () => {
    const dir = privateDir(root, 'empty', '', 1_000);
    assert.equal(await cleanStaleDirs([root]), 0);
    assert.equal(await cleanStaleDirs([root], Date.now() + CUT_LOCK_AGE_MS), 1);
    assert.equal(existsSync(dir), false);
  });

  it('a FIFO, a symlink or a huge file as the lock is not read; a symlinked directory is not followed', async function () {
    if (process.platform === 'win32') this.skip();
    const fifoDir = privateDir(root, 'fifo');
    assert.equal(spawnSync('mkfifo', [join(fifoDir, LOCK_FILE)]).status, 0);
    const linkDir = privateDir(root, 'link');
    writeFileSync(join(root, 'elsewhere'), '');
    symlinkSync(join(root, 'elsewhere'), join(linkDir, LOCK_FILE));
    const bigDir = privateDir(root, 'big');
    writeFileSync(join(bigDir, LOCK_FILE), ' '.repeat(5000));
    const t = (Date.now() - 2 * CUT_LOCK_AGE_MS) / 1000;
    utimesSync(join(bigDir, LOCK_FILE), t, t);
    const target = privateDir(root, 'target', '', 2 * CUT_LOCK_AGE_MS);
    const outer = mkdtempSync(join(tmpdir(), 'hs-stale-outer-'));
    symlinkSync(target, join(outer, 'helm-secrets-via-link'));
    try {
      // A FIFO read would wait for a writer forever; the time limit of the test is the check.
      assert.equal(await cleanStaleDirs([outer]), 0);
      assert.equal(existsSync(join(target, 'v-0')), true);
      assert.equal(await cleanStaleDirs([root]), 1, 'only the real directory with the old empty lock');
      for (const d of [fifoDir, linkDir, bigDir]) assert.equal(existsSync(join(d, 'v-0')), true, d);
      assert.equal(existsSync(target), false);
    } finally {
      rmSync(outer, { recursive: true, force: true });
    }
  });

  it('a PrivateDir whose lock cannot be written (a full tmpfs) removes the directory it made', () => {
    const original = fs.writeFileSync;
    fs.writeFileSync = ((path: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
      if (typeof path === 'string' && path.endsWith(LOCK_FILE)) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return (original as (...a: unknown[]) => void)(path, ...rest);
    }) as typeof fs.writeFileSync;
    syncBuiltinESMExports();
    const seen = (parent: string) => (existsSync(parent) ? readdirSync(parent).filter((n) => n.startsWith('helm-secrets-lockfail-')) : []);
    const before = ['/dev/shm', tmpdir()].map(seen);
    try {
      assert.throws(() => PrivateDir.create({ HELM_SECRETS_PRIVATE_DIR: root }, 'helm-secrets-lockfail-'), /could not create a private temporary directory/);
    } finally {
      fs.writeFileSync = original;
      syncBuiltinESMExports();
    }
    assert.deepEqual(seen(root), []);
    ['/dev/shm', tmpdir()].forEach((parent, i) => { assert.deepEqual(seen(parent), before[i], parent); });
  });
});
