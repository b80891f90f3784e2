// One chooser of private directories (src/privatedir.ts): edit and the helm wrapper put plaintext in the same place,
// /dev/shm first, then $XDG_RUNTIME_DIR (Linux), then the temp dir, each only when it is a writable directory.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PrivateDir } from '../../src/edit/private.js';
import { privateRoot, tmpfsRoot } from '../../src/helm/deliver.js';
import { privateParents, privateSearchRoots } from '../../src/privatedir.js';

describe('one private-directory chooser', () => {
  let xdg: string;
  before(() => (xdg = mkdtempSync(join(tmpdir(), 'xdg-'))));
  after(() => rmSync(xdg, { recursive: true, force: true }));

  it('orders /dev/shm, XDG_RUNTIME_DIR, the temp dir; skips what is not a writable directory', () => {
    const shm = existsSync('/dev/shm') ? ['/dev/shm'] : [];
    assert.deepEqual(privateParents({ XDG_RUNTIME_DIR: xdg }, 'linux'), [...shm, xdg, tmpdir()]);
    const file = join(xdg, 'not-a-dir');
    writeFileSync(file, '');
    assert.deepEqual(privateParents({ XDG_RUNTIME_DIR: file }, 'linux'), [...shm, tmpdir()]);
    assert.deepEqual(privateParents({ XDG_RUNTIME_DIR: join(xdg, 'missing') }, 'linux'), [...shm, tmpdir()]);
    // Elsewhere neither is taken for memory.
    assert.deepEqual(privateParents({ XDG_RUNTIME_DIR: xdg }, 'darwin'), [tmpdir()]);
    assert.deepEqual(privateSearchRoots({ XDG_RUNTIME_DIR: xdg }), ['/dev/shm', xdg, tmpdir()]);
  });

  it('edit and the wrapper choose the same parent', () => {
    const env = { XDG_RUNTIME_DIR: xdg };
    const first = privateParents(env)[0];
    assert.equal(privateRoot(env), first);
    assert.equal(tmpfsRoot(env), existsSync('/dev/shm') ? '/dev/shm' : xdg);
    const dir = PrivateDir.create(env, 'helm-secrets-test-', false);
    try {
      assert.equal(dirname(dir.path), first);
    } finally {
      dir.wipeSync();
    }
    // Each caller's own override still comes first.
    const own = PrivateDir.create({ ...env, HELM_SECRETS_PRIVATE_DIR: xdg }, 'helm-secrets-test-', false);
    try {
      assert.equal(dirname(own.path), xdg);
    } finally {
      own.wipeSync();
    }
  });
});
