// Issue 14, item 2: where a command writes. Devices, FIFOs and descriptor paths (/dev/fd/1, a link to
// /proc/self/fd/1) are written into as they are, never replaced by a regular file; a regular file is replaced
// atomically through its symlinks (the link stays, its target is written), keeping owner, group and mode; a file
// with several hard links is refused, every name left as it was. FILE.dec, a name `dec` picks itself, is written
// only as a new file or over a regular file of the user's own.
// A regression would replace the real /dev/null or /dev/stdout for the whole machine, so a private copy of /dev/null
// (mknod c 1 3, as root) and a private link to /proc/self/fd/1 are tried first; the real /dev/null only after the
// copy came through unharmed (or when not root, who cannot replace it), /dev/stdout never (/dev/fd/1 instead).
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, chmodSync, linkSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { runCliBounded } from '../helpers/proc.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const PLAIN = 'db:\n    password: write-target-secret-value\n';
const BOUND_MS = 15000;
const isRoot = process.getuid?.() === 0;
let privateDeviceOk = false;

describe('issue 14 item 2: writes go through to the real target', function () {
  this.timeout(60000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let enc: Uint8Array;
  let t0 = Date.now();

  before(async () => {
    t0 = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'hs-targets-'));
    env = testEnv();
    enc = await encryptBytes(Buffer.from(PLAIN), join(dir, 'x.yaml'), { env, flags: { keys: { age: [AGE] } } });
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.ok(statSync('/dev/null').isCharacterDevice(), '/dev/null is still a character device');
    console.log(`      [issue14 item 2] write-target cases took ${Date.now() - t0} ms; /dev/null is still a character device`);
  });

  const encFile = (name: string) => {
    const f = join(dir, name);
    writeFileSync(f, enc);
    return f;
  };

  it('decrypt --output FIFO: the reader gets the plaintext, the FIFO stays a FIFO', async () => {
    const fifo = join(dir, 'out.fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = '';
    reader.stdout.on('data', (d) => (got += d));
    const readerDone = new Promise<void>((r) => reader.on('close', () => r()));
    const killer = setTimeout(() => reader.kill('SIGKILL'), BOUND_MS);
    const r = await runCliBounded(['decrypt', '--output', fifo, encFile('a.yaml')], env, BOUND_MS);
    await readerDone;
    clearTimeout(killer);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(got, PLAIN, 'the reader of the FIFO got the plaintext');
    assert.ok(lstatSync(fifo).isFIFO(), 'still a FIFO');
  });

  it('decrypt --output /dev/fd/1 and --output LINK-TO-/proc/self/fd/1 print to stdout; the link stays a link', async () => {
    const link = join(dir, 'stdout-link');
    symlinkSync('/proc/self/fd/1', link);
    for (const target of ['/dev/fd/1', link]) {
      const r = await runCliBounded(['decrypt', '--output', target, encFile('b.yaml')], env, BOUND_MS);
      assert.equal(r.code, 0, `${target}: ${r.stderr}`);
      assert.equal(r.stdout.toString('utf8'), PLAIN, `${target}: printed`);
    }
    assert.ok(lstatSync(link).isSymbolicLink(), 'still a symlink');
    assert.equal(readlinkSync(link), '/proc/self/fd/1');
  });

  it('encrypt --output to a character device (a private /dev/null): still a character device, mode unchanged', async function () {
    if (!isRoot) this.skip();
    const dev = join(dir, 'null');
    assert.equal(spawnSync('mknod', [dev, 'c', '1', '3']).status, 0);
    chmodSync(dev, 0o666);
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, PLAIN);
    for (const cmd of [['encrypt', '--age', AGE, '--output', dev, plain], ['decrypt', '--output', dev, encFile('c.yaml')]]) {
      const r = await runCliBounded(cmd, env, BOUND_MS);
      assert.equal(r.code, 0, r.stderr);
      const st = lstatSync(dev);
      assert.ok(st.isCharacterDevice(), `${cmd[0]}: still a character device`);
      assert.equal(st.mode & 0o777, 0o666, `${cmd[0]}: mode kept`);
    }
    privateDeviceOk = true;
  });

  it('encrypt/decrypt --output /dev/null: /dev/null is still a character device', async function () {
    // As root only once the private copy above came through unharmed: a regression must not replace the real one.
    if (isRoot && !privateDeviceOk) this.skip();
    const plain = join(dir, 'plain-null.yaml');
    writeFileSync(plain, PLAIN);
    for (const cmd of [['encrypt', '--age', AGE, '--output', '/dev/null', plain], ['decrypt', '--output', '/dev/null', encFile('n.yaml')]]) {
      const r = await runCliBounded(cmd, env, BOUND_MS);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.length, 0);
      assert.ok(statSync('/dev/null').isCharacterDevice(), `${cmd[0]}: /dev/null is still a character device`);
    }
  });

  it('encrypt -i on a symlink: the link stays, its target is encrypted, no plaintext left', async () => {
    const real = join(dir, 'real.yaml');
    const link = join(dir, 'link.yaml');
    writeFileSync(real, PLAIN);
    chmodSync(real, 0o640);
    symlinkSync('real.yaml', link);
    const r = await runCliBounded(['encrypt', '-i', '--age', AGE, link], env, BOUND_MS);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(lstatSync(link).isSymbolicLink(), 'the link is still a link');
    assert.equal(readlinkSync(link), 'real.yaml');
    const bytes = readFileSync(real);
    assert.doesNotMatch(bytes.toString('utf8'), /write-target-secret-value/, 'the target holds no plaintext');
    assert.equal(Buffer.from(await decryptBytes(bytes, real, { env })).toString('utf8'), PLAIN);
    assert.equal(statSync(real).mode & 0o777, 0o640, 'mode kept');
  });

  it('encrypt -i / decrypt -i on a file with two hard links: refused, both names unchanged', async () => {
    const a = join(dir, 'hard-a.yaml');
    const b = join(dir, 'hard-b.yaml');
    writeFileSync(a, PLAIN);
    linkSync(a, b);
    const r = await runCliBounded(['encrypt', '-i', '--age', AGE, a], env, BOUND_MS);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /hard-a\.yaml: has 2 hard links/);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.equal(readFileSync(a, 'utf8'), PLAIN);
    assert.equal(statSync(a).ino, statSync(b).ino, 'still one file under two names');
  });

  it('encrypt -i on a file owned by another user (as root): owner, group and mode kept', async function () {
    if (!isRoot) this.skip();
    const f = join(dir, 'theirs.yaml');
    writeFileSync(f, PLAIN);
    chownSync(f, 65534, 65534);
    chmodSync(f, 0o640);
    const r = await runCliBounded(['encrypt', '-i', '--age', AGE, f], env, BOUND_MS);
    assert.equal(r.code, 0, r.stderr);
    const st = statSync(f);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [65534, 65534, 0o640]);
    assert.equal(Buffer.from(await decryptBytes(readFileSync(f), f, { env })).toString('utf8'), PLAIN);
  });

  it('dec: a FILE.dec planted as a symlink, a FIFO, or (as root) another user\'s file is refused; --output is written as named', async function () {
    if (process.platform === 'win32') this.skip();
    const f = join(dir, 'planted.yaml');
    writeFileSync(f, enc);
    const dec = `${f}.dec`;
    const outside = join(dir, 'outside-bashrc');
    const plant: Array<[string, () => void, RegExp]> = [
      ['symlink', () => { writeFileSync(outside, 'precious\n'); symlinkSync(outside, dec); }, /is a symbolic link/],
      ['fifo', () => { assert.equal(spawnSync('mkfifo', [dec]).status, 0); }, /exists and is not a regular file/],
    ];
    if (isRoot) plant.push(['theirs', () => { writeFileSync(dec, 'theirs\n'); chownSync(dec, 65534, 65534); }, /is owned by uid 65534, not by you \(uid 0\)/]);
    for (const [what, make, message] of plant) {
      make();
      const r = await runCliBounded(['dec', f], env, BOUND_MS);
      assert.equal(r.code, 3, `${what}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`^\\[helm-secrets\\] Error: .*planted\\.yaml\\.dec ${message.source}; refusing to write plaintext there \\(remove it, or choose a place with --output\\)\\n$`), what);
      if (what === 'symlink') assert.equal(readFileSync(outside, 'utf8'), 'precious\n', 'the link target is untouched');
      if (what === 'theirs') assert.equal(readFileSync(dec, 'utf8'), 'theirs\n');
      rmSync(dec);
    }
    // A place the user names: written through the link, as sops --output does.
    symlinkSync(outside, dec);
    const named = await runCliBounded(['dec', '--output', dec, f], env, BOUND_MS);
    assert.equal(named.code, 0, named.stderr);
    assert.equal(readFileSync(outside, 'utf8'), PLAIN);
    rmSync(dec);
    const fresh = await runCliBounded(['dec', f], env, BOUND_MS);
    assert.equal(fresh.code, 0, fresh.stderr);
    assert.equal(readFileSync(dec, 'utf8'), PLAIN);
    assert.equal(statSync(dec).mode & 0o777, 0o600);
  });
});
