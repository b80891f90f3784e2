// Issue 14, item 15: commands that read, change and write back one file take its lock, so concurrent changes run one
// after the other and none is lost. edit holds the lock while the editor is open (a set waits, says so, then
// applies its change to the saved file); concurrent sets all land; a stale lock (its process gone) is broken; a
// held lock makes the waiter give up after HELM_SECRETS_LOCK_TIMEOUT with a clear error, the file untouched by it;
// something else planted under the lock's name (a symlink to /dev/zero, a FIFO, a large file) is one clear error.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { runCliAsync, sleep } from '../helpers/proc.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const PLAIN = 'db:\n    password: lock-old-password\n    user: admin\n';
const CONCURRENT_SETS = 8;

describe('issue 14 item 15: read-modify-write commands lock the file', function () {
  this.timeout(120000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let editor: string;
  const timings: Record<string, number> = {};

  const fresh = async (name: string) => {
    const f = join(dir, name);
    writeFileSync(f, await encryptBytes(Buffer.from(PLAIN), f, { env, flags: { keys: { age: [AGE] } } }));
    return f;
  };
  const plain = async (f: string) => Buffer.from(await decryptBytes(readFileSync(f), f, { env })).toString('utf8');

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-locks-'));
    env = testEnv();
    // Changes the password after a pause, long enough for a set to start meanwhile.
    editor = join(dir, 'slow-editor.sh');
    writeFileSync(editor, '#!/bin/sh\nsleep "${EDIT_SLEEP:-2}"\nsed -i "s/lock-old-password/lock-new-password/" "$1"\n');
    chmodSync(editor, 0o755);
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [issue14 item 15] timings (ms): ${JSON.stringify(timings)}`);
  });

  it('edit with a slow editor while set runs: both changes survive, set says it waits', async () => {
    const f = await fresh('edit-set.yaml');
    const t0 = Date.now();
    const editing = runCliAsync(['edit', f], { env: { ...env, EDITOR: editor, EDIT_SLEEP: '2' } });
    await sleep(700);
    const set = await runCliAsync(['set', f, '["db"]["extra"]', '"added-by-set"'], { env });
    const edit = await editing;
    timings['edit+set'] = Date.now() - t0;
    assert.equal(edit.code, 0, edit.stderr);
    assert.equal(set.code, 0, set.stderr);
    const text = await plain(f);
    assert.match(text, /password: lock-new-password/, "edit's change was lost");
    assert.match(text, /extra: added-by-set/, "set's change was lost");
    assert.match(set.stderr, /is being changed by another helm-secrets command \(pid \d+, edit\); waiting/);
    assert.deepEqual(readdirSync(dir).filter((n) => n.includes('lock')), [], 'no lock file left');
  });

  it(`${CONCURRENT_SETS} concurrent sets of different keys: every value lands`, async () => {
    const f = await fresh('many.yaml');
    const t0 = Date.now();
    const rs = await Promise.all(Array.from({ length: CONCURRENT_SETS }, (_, i) => runCliAsync(['set', f, `["k${i}"]`, `"value-${i}"`], { env })));
    timings['concurrent sets'] = Date.now() - t0;
    for (const r of rs) assert.equal(r.code, 0, r.stderr);
    const text = await plain(f);
    for (let i = 0; i < CONCURRENT_SETS; i++) assert.match(text, new RegExp(`k${i}: value-${i}`), `set ${i} was lost`);
  });

  it('a stale lock (its process is gone) is broken without waiting for the timeout', async () => {
    const f = await fresh('stale.yaml');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const lock = join(dir, '.stale.yaml.helm-secrets-lock');
    writeFileSync(lock, JSON.stringify({ pid: dead, start: null, command: 'set' }) + '\n');
    const t0 = Date.now();
    const r = await runCliAsync(['set', f, '["db"]["user"]', '"root"'], { env: { ...env, HELM_SECRETS_LOCK_TIMEOUT: '20' } });
    timings['stale lock'] = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(timings['stale lock'] < 10000, `took ${timings['stale lock']} ms`);
    assert.match(await plain(f), /user: root/);
    assert.ok(!existsSync(lock));
  });

  it('every read-modify-write command takes the lock: each gives up on a held one and leaves the file as it was', async () => {
    const f = await fresh('every.yaml');
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - age: ${AGE}\n`);
    // Held by this (live) test process.
    const lock = join(dir, '.every.yaml.helm-secrets-lock');
    writeFileSync(lock, JSON.stringify({ pid: process.pid, start: null, command: 'test' }) + '\n');
    const before = readFileSync(f);
    const commands = [
      ['edit', f],
      ['set', f, '["db"]["user"]', '"x"'],
      ['unset', f, '["db"]["user"]'],
      ['rotate', f],
      ['updatekeys', '-y', f],
      ['decrypt', '-i', f],
      ['encrypt', '-i', '--age', AGE, f],
      ['enc', f],
    ];
    const t0 = Date.now();
    try {
      for (const args of commands) {
        const r = await runCliAsync(args, { env: { ...env, EDITOR: editor, EDIT_SLEEP: '0', HELM_SECRETS_LOCK_TIMEOUT: '0.3' }, cwd: dir });
        assert.notEqual(r.code, 0, `${args[0]} did not wait for the lock: ${r.stderr}`);
        assert.match(r.stderr, new RegExp(`pid ${process.pid}, test`), args[0]);
        assert.deepEqual(readFileSync(f), before, `${args[0]} changed the file`);
      }
    } finally {
      rmSync(lock, { force: true });
      rmSync(join(dir, '.sops.yaml'), { force: true });
    }
    timings[`${commands.length} commands refused by a held lock`] = Date.now() - t0;
  });

  it('clean removes the lock file of a dead command and keeps a live one', async () => {
    const sub = mkdtempSync(join(dir, 'clean-'));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    writeFileSync(join(sub, '.a.yaml.helm-secrets-lock'), JSON.stringify({ pid: dead, start: null, command: 'set' }) + '\n');
    writeFileSync(join(sub, '.b.yaml.helm-secrets-lock'), JSON.stringify({ pid: process.pid, start: null, command: 'set' }) + '\n');
    const r = await runCliAsync(['clean', sub], { env });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(sub), ['.b.yaml.helm-secrets-lock']);
    assert.match(r.stderr, /Removed .*\.a\.yaml\.helm-secrets-lock \(the lock of an interrupted command\)/);
  });

  it('a lock name that is a symlink (to /dev/zero), a FIFO or a large file: one clear error at once, the file unchanged; clean leaves it', async function () {
    if (process.platform === 'win32') this.skip();
    const f = await fresh('planted.yaml');
    const before = readFileSync(f);
    const lock = join(dir, '.planted.yaml.helm-secrets-lock');
    const plant: Array<[string, () => void, RegExp]> = [
      ['symlink', () => { symlinkSync('/dev/zero', lock); }, /is a symbolic link, not a lock; remove it/],
      ['fifo', () => { assert.equal(spawnSync('mkfifo', [lock]).status, 0); }, /is not a regular file; remove it/],
      ['large', () => { writeFileSync(lock, JSON.stringify({ pid: process.pid, pad: 'x'.repeat(5000) })); }, /is \d+ bytes long, too long for a lock; remove it/],
    ];
    for (const [what, make, message] of plant) {
      make();
      const t0 = Date.now();
      const r = await runCliAsync(['set', f, '["db"]["user"]', '"planted"'], { env });
      assert.equal(r.code, 1, `${what}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`planted\\.yaml: lock file .*\\.planted\\.yaml\\.helm-secrets-lock ${message.source}`), what);
      assert.ok(Date.now() - t0 < 10_000, `${what}: took ${Date.now() - t0} ms`);
      assert.ok(readFileSync(f).equals(before), `${what}: the file changed`);
      const c = await runCliAsync(['clean', dir], { env });
      assert.equal(c.code, 0, c.stderr);
      assert.equal(lstatSync(lock).isSymbolicLink() || lstatSync(lock).isFIFO() || lstatSync(lock).isFile(), true, `${what}: clean removed it`);
      rmSync(lock);
    }
  });

  it('a held lock: the waiter gives up after HELM_SECRETS_LOCK_TIMEOUT with one clear line, its change not applied', async () => {
    const f = await fresh('held.yaml');
    const editing = runCliAsync(['edit', f], { env: { ...env, EDITOR: editor, EDIT_SLEEP: '4' } });
    await sleep(700);
    const t0 = Date.now();
    const r = await runCliAsync(['set', f, '["db"]["user"]', '"late"'], { env: { ...env, HELM_SECRETS_LOCK_TIMEOUT: '1' } });
    timings['timeout 1s'] = Date.now() - t0;
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /held\.yaml: is still being changed by another helm-secrets command \(pid \d+, edit\) after 1s/);
    assert.ok(timings['timeout 1s'] < 4000, `took ${timings['timeout 1s']} ms`);
    assert.equal((await editing).code, 0);
    const text = await plain(f);
    assert.match(text, /password: lock-new-password/);
    assert.doesNotMatch(text, /late/);
  });
});
