// What the CLI prints on stdout reaches the reader whole: on Linux the bytes go straight to descriptor 1
// (src/stdio.ts writeStdout), in pieces when the pipe is full, and through process.stdout when the descriptor
// would block. Checked with 1.5 MB of plaintext against a reader that waits before it reads, a pipe whose write end
// is non-blocking, and the same decryption written to a file. Our messages on stderr go the same way
// (src/stdio.ts writeStderr): checked on a pipe, without the socket node builds for process.stderr, and on a
// non-blocking pipe with more than it holds. The getter's plaintext takes the stdout path too, without node:net.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { identityToRecipient } from 'age-encryption';
import { testEnv } from '../helpers/env.js';
import { CLI, ROOT } from '../helpers/paths.js';

/** Runs the CLI with stdout a pipe nobody reads for `waitMs`, then reads it all. */
function slowReader(args: string[], env: NodeJS.ProcessEnv, waitMs: number): Promise<{ code: number | null; out: Buffer; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.pause();
    setTimeout(() => child.stdout.resume(), waitMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err }));
  });
}

describe('stdout: large output through a pipe', () => {
  let dir: string;
  let enc: string;
  let expected: Buffer;
  const env = testEnv();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-stdout-'));
    const identity = readFileSync(env.SOPS_AGE_KEY_FILE!, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    const recipient = await identityToRecipient(identity);
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      lines.push(`g${i}:`);
      for (let j = 0; j < 10; j++) lines.push(`  k${j}: value-${i}-${j}-${'x'.repeat(30)}`);
    }
    writeFileSync(join(dir, 'plain.yaml'), lines.join('\n') + '\n');
    enc = join(dir, 'enc.yaml');
    const r = spawnSync(process.execPath, [CLI, 'encrypt', '--age', recipient, '--output', enc, join(dir, 'plain.yaml')], { env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // The reference: the same decryption written to a file (src/io.ts writeAtomic), not through stdout.
    const d = spawnSync(process.execPath, [CLI, 'decrypt', '--output', join(dir, 'dec.yaml'), enc], { env, encoding: 'utf8' });
    assert.equal(d.status, 0, d.stderr);
    expected = readFileSync(join(dir, 'dec.yaml'));
    assert.ok(expected.length > 1_000_000, `${expected.length} bytes`);
    assert.match(expected.toString('utf8', 0, 40), /^g0:\n {4}k0: value-0-0-x/);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a reader that waits before reading gets every byte', async () => {
    const r = await slowReader(['decrypt', enc], env, 500);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out.length, expected.length);
    assert.ok(r.out.equals(expected));
  });

  it('a non-blocking pipe (set by another process) gets every byte', function () {
    if (process.platform === 'win32') this.skip();
    // bash makes fd 1 a pipe whose reader waits; a node sets it non-blocking (process.stdout's handle, as a parent
    // process sharing the pipe might) and runs the CLI's entry point in the same process.
    const setNonBlocking = `if(process.stdout._handle.setBlocking(false)!==0)process.exit(9);process.argv=[process.argv[0],${JSON.stringify(CLI)},'decrypt',${JSON.stringify(enc)}];require(${JSON.stringify(CLI)}).start('helm-secrets');`;
    const r = spawnSync('bash', ['-c', `"${process.execPath}" -e "$0" | (sleep 0.5; cat)`, setNonBlocking], { env, maxBuffer: 64 * 1024 * 1024 });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.length, expected.length, r.stderr.toString());
    assert.ok(r.stdout.equals(expected));
  });
});

describe('stderr: our messages through a pipe', () => {
  let dir: string;
  const env = testEnv();
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-stderr-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** An age-encrypted copy of `text`, written by the CLI. */
  async function encrypted(name: string, text: string): Promise<string> {
    const identity = readFileSync(env.SOPS_AGE_KEY_FILE!, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-'))!;
    writeFileSync(join(dir, `${name}.yaml`), text);
    const enc = join(dir, `${name}.enc.yaml`);
    const e = spawnSync(process.execPath, [CLI, 'encrypt', '--age', await identityToRecipient(identity), '--output', enc, join(dir, `${name}.yaml`)], { env, encoding: 'utf8' });
    assert.equal(e.status, 0, e.stderr);
    return enc;
  }

  /** Runs the CLI with stdout and stderr pipes and a hook that records, as node exits, whether it loaded node:net. */
  function runWatchingNet(name: string, args: string[]): { status: number | null; stdout: string; stderr: string; netLoaded: string } {
    const report = join(dir, `${name}-net.txt`);
    const hook = join(dir, `${name}-net.cjs`);
    writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(report)}, String(process.moduleLoadList.includes('NativeModule net'))));\n`);
    const r = spawnSync(process.execPath, ['-r', hook, CLI, ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, netLoaded: readFileSync(report, 'utf8') };
  }

  it('a message reaches a piped stderr whole, and node never builds process.stderr (node:net stays unloaded)', async () => {
    const enc = await encrypted('msg', 'a: 1\n');
    // A piped process.stderr would be a socket, which loads node:net.
    const r = runWatchingNet('msg', ['dec', enc]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `[helm-secrets] Decrypted ${enc} to ${enc}.dec: this is PLAINTEXT on disk; remove it when done (helm secrets clean)\n`);
    assert.equal(r.netLoaded, process.platform === 'linux' ? 'false' : r.netLoaded);
  });

  it('the getter (one call per values file under Argo CD) writes plaintext to a piped stdout without node:net', async () => {
    const enc = await encrypted('getter', 'db:\n  password: hunter2\n');
    const r = runWatchingNet('getter', ['downloader', '', '', '', `secrets://${enc}`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'db:\n    password: hunter2\n');
    assert.equal(r.netLoaded, process.platform === 'linux' ? 'false' : r.netLoaded);
  });

  it('a non-blocking stderr pipe (set by another process) gets all of a message longer than the pipe holds', function () {
    if (process.platform === 'win32') this.skip();
    // 300 KB of message, fd 2 non-blocking, a reader that waits: the first writes fill the pipe, EAGAIN hands the
    // rest to process.stderr, which waits for the reader.
    const line = 'x'.repeat(299) + '\n';
    const code = `if(process.stderr._handle.setBlocking(false)!==0)process.exit(9);import(${JSON.stringify(join(ROOT, 'src', 'stdio.ts'))}).then((m)=>m.writeStderr(${JSON.stringify(line)}.repeat(1000)));`;
    const r = spawnSync('bash', ['-c', `"${process.execPath}" --import tsx -e "$0" 2>&1 >/dev/null | (sleep 0.5; cat)`, code], { env, maxBuffer: 64 * 1024 * 1024, cwd: ROOT });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(r.stdout.length, 300_000, r.stderr.toString());
    assert.ok(r.stdout.equals(Buffer.from(line.repeat(1000))));
  });
});
