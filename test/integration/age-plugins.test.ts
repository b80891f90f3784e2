// age plugins, passphrase-protected age identity files and passphrase-protected SSH keys, through the built CLI.
// The plugin is a stand-in (test/helpers/age-plugin-standin.mjs) that the real `age` binary drives too, so the
// protocol is checked from both sides. Passphrases come from a real gpg-agent (preset, as a cached passphrase is)
// or from a real terminal: the CLI runs under `script`, which gives it a pseudo-terminal, and the test types.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bech32 } from '@scure/base';
import { dearmor, parseHeader } from '../../src/keys/agefile.js';
import { ageKind, clearAgeIdentityCache } from '../../src/keys/age.js';
import { agentCacheKey } from '../../src/keys/agelocked.js';
import { runCli, testEnv } from '../helpers/env.js';
import { CLI, ROOT } from '../helpers/paths.js';
import { ageKeygen, requireTool } from '../helpers/tools.js';

const STANDIN = join(ROOT, 'test', 'helpers', 'age-plugin-standin.mjs');
const VALUES = 'db:\n    user: app\n    password: hunter2\n';

/** Runs the CLI on a pseudo-terminal, answering each prompt that appears; resolves with what the terminal showed. */
function onTerminal(args: string[], env: NodeJS.ProcessEnv, answers: [RegExp, string][]): Promise<{ code: number; screen: string }> {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const cmd = [process.execPath, CLI, ...args].map(q).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    const pending = [...answers];
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      screen += d;
      while (pending.length > 0 && pending[0]![0].test(screen)) {
        const [re, answer] = pending.shift()!;
        screen = screen.replace(re, (m) => `${m}<answered>`);
        setTimeout(() => child.stdin.write(`${answer}\r`), 50);
      }
    });
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, screen }));
  });
}

describe('age plugins and passphrase-protected identities', function () {
  let dir: string;
  let bin: string;
  let log: string;

  before(function () {
    requireTool(this, 'script');
    dir = mkdtempSync(join(tmpdir(), 'hs-age-plugin-'));
    bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'age-plugin-standin'), `#!/bin/sh\nexec '${process.execPath}' '${STANDIN}' "$@"\n`, { mode: 0o755 });
    log = join(dir, 'plugin.log');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh stand-in key pair: [identity line, recipient]. */
  function standinKey(flags = 0): [string, string] {
    const r = spawnSync(process.execPath, [STANDIN, '--generate', String(flags)], { encoding: 'utf8' });
    const [id, rcpt] = r.stdout.trim().split('\n');
    return [id!, rcpt!];
  }

  function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return testEnv({ PATH: `${bin}:${process.env.PATH}`, STANDIN_LOG: log, ...extra });
  }

  function encryptTo(recipient: string, name: string, e: NodeJS.ProcessEnv = env()): string {
    const file = join(dir, name);
    writeFileSync(file, VALUES);
    const r = runCli(['encrypt', '-i', '--age', recipient, file], { env: e });
    assert.equal(r.code, 0, r.stderr);
    return file;
  }

  function keysFile(name: string, lines: string[]): string {
    const f = join(dir, name);
    writeFileSync(f, lines.join('\n') + '\n', { mode: 0o600 });
    return f;
  }

  describe('plugins', () => {
    it('encrypts to an age1standin1 recipient through the plugin and decrypts with its AGE-PLUGIN identity', () => {
      const [id, rcpt] = standinKey();
      writeFileSync(log, '');
      const file = encryptTo(rcpt, 'plugin.yaml');
      const text = readFileSync(file, 'utf8');
      assert.ok(text.includes(`recipient: ${rcpt}`), text);
      assert.ok(!text.includes('hunter2'));
      const enc = /enc: \|\n((?:\s+.*\n)+?)\s+recipient/.exec(text)![1]!.replace(/^\s+/gm, '');
      const stanzas = parseHeader(dearmor(enc)).stanzas;
      assert.deepEqual(stanzas.map((s) => s.args[0]), ['standin']);
      const r = runCli(['decrypt', file], { env: env({ SOPS_AGE_KEY_FILE: keysFile('k1.txt', [id]) }) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), VALUES);
      assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['recipient-v1', 'identity-v1']);
    });

    it('what the plugin wraps through this client, the age binary opens with the same plugin, and back', async function () {
      requireTool(this, 'age');
      const [id, rcpt] = standinKey();
      const file = encryptTo(rcpt, 'interop.yaml');
      const enc = /enc: \|\n((?:\s+.*\n)+?)\s+recipient/.exec(readFileSync(file, 'utf8'))![1]!.replace(/^\s+/gm, '');
      const idFile = keysFile('k2.txt', [id]);
      const byAge = spawnSync('age', ['-d', '-i', idFile], { input: enc, env: env() });
      assert.equal(byAge.status, 0, byAge.stderr.toString());
      assert.equal(byAge.stdout.length, 32);
      // The age binary encrypts to the plugin; this project's identity path opens the result.
      const sealed = spawnSync('age', ['-r', rcpt, '-a'], { input: 'x'.repeat(32), env: env() });
      assert.equal(sealed.status, 0, sealed.stderr.toString());
      const header = parseHeader(dearmor(sealed.stdout.toString()));
      assert.equal(header.stanzas[0]!.args[0], 'standin');
      clearAgeIdentityCache();
      const opened = await ageKind.unwrap({ kind: 'age', fields: { enc: sealed.stdout.toString(), recipient: rcpt } }, { env: env({ SOPS_AGE_KEY_FILE: idFile }) });
      assert.equal(Buffer.from(opened!).toString(), 'x'.repeat(32));
    });

    it('a keys file with a plugin identity line still opens files of its other keys, without running the plugin', function () {
      const k = ageKeygen(this, 'hs-age-plugin-x-');
      try {
        const [id] = standinKey();
        const file = encryptTo(k.recipient, 'x25519.yaml');
        writeFileSync(log, '');
        const both = keysFile('k3.txt', [id, readFileSync(k.keyFile, 'utf8').trim()]);
        const r = runCli(['decrypt', file], { env: env({ SOPS_AGE_KEY_FILE: both }) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), VALUES);
        assert.equal(readFileSync(log, 'utf8'), '');
      } finally {
        rmSync(k.dir, { recursive: true, force: true });
      }
    });

    it('a missing plugin program is one clear error naming it', () => {
      const missing = bech32.encode('age1nosuchplugin', bech32.toWords(new Uint8Array(32).fill(7)), false);
      const plain = join(dir, 'plain.yaml');
      writeFileSync(plain, VALUES);
      const r = runCli(['encrypt', '--age', missing, plain], { env: env() });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /"nosuchplugin" plugin not found: age-plugin-nosuchplugin is not on PATH/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });

    it('an error the plugin reports is the message, with a non-zero exit and nothing printed', () => {
      const [id, rcpt] = standinKey(4);
      const file = encryptTo(rcpt, 'unplugged.yaml');
      const r = runCli(['decrypt', file], { env: env({ SOPS_AGE_KEY_FILE: keysFile('k4.txt', [id]) }) });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /standin plugin: the standin token is unplugged/);
      assert.equal(r.stdout.length, 0);
    });

    it("the plugin's PIN request is asked on the terminal; without a terminal the plugin is told it failed", async () => {
      const [id, rcpt] = standinKey(1 | 2);
      const file = encryptTo(rcpt, 'pin.yaml');
      const e = env({ SOPS_AGE_KEY_FILE: keysFile('k5.txt', [id]) });
      const t = await onTerminal(['decrypt', file], e, [[/Enter PIN for standin:/, '1234']]);
      assert.equal(t.code, 0, t.screen);
      assert.match(t.screen, /touch the standin token/);
      assert.ok(t.screen.includes('password: hunter2'), t.screen);
      assert.ok(!t.screen.includes('1234'), 'the PIN is not echoed');
      const wrong = await onTerminal(['decrypt', file], e, [[/Enter PIN for standin:/, '9999']]);
      assert.notEqual(wrong.code, 0);
      assert.match(wrong.screen, /wrong PIN/);
      const none = runCli(['decrypt', file], { env: e });
      assert.notEqual(none.code, 0);
      assert.match(none.stderr, /standin plugin: wrong PIN/);
    });
  });

  describe('passphrase-protected age identity files', () => {
    let k: { dir: string; keyFile: string; recipient: string };
    let locked: string;
    let file: string;
    const PASS = 'correct horse battery';

    before(async function () {
      k = ageKeygen(this, 'hs-age-locked-');
      const { Encrypter, armor } = await import('age-encryption');
      const e = new Encrypter();
      e.setPassphrase(PASS);
      e.setScryptWorkFactor(12);
      locked = join(dir, 'locked-keys.txt');
      writeFileSync(locked, armor.encode(await e.encrypt(readFileSync(k.keyFile))), { mode: 0o600 });
      file = encryptTo(k.recipient, 'locked.yaml');
    });
    after(() => rmSync(k.dir, { recursive: true, force: true }));

    it('asks for the passphrase on the terminal (echo off), then decrypts', async () => {
      const t = await onTerminal(['decrypt', file], env({ SOPS_AGE_KEY_FILE: locked, GNUPGHOME: join(dir, 'no-agent') }), [
        [/Enter passphrase for identity 'SOPS_AGE_KEY_FILE':/, PASS],
      ]);
      assert.equal(t.code, 0, t.screen);
      assert.ok(t.screen.includes('password: hunter2'), t.screen);
      assert.ok(!t.screen.includes(PASS), 'the passphrase is not echoed');
    });

    it('a wrong passphrase is refused as such', async () => {
      const t = await onTerminal(['decrypt', file], env({ SOPS_AGE_KEY_FILE: locked, GNUPGHOME: join(dir, 'no-agent') }), [
        [/Enter passphrase for identity/, 'wrong'],
      ]);
      assert.notEqual(t.code, 0);
      assert.match(t.screen, /incorrect passphrase for the age identity file 'SOPS_AGE_KEY_FILE'/);
      assert.ok(!t.screen.includes('hunter2'));
    });

    it('without a terminal or an agent: one line saying the file needs a passphrase', () => {
      const r = runCli(['decrypt', file], { env: env({ SOPS_AGE_KEY_FILE: locked, GNUPGHOME: join(dir, 'no-agent') }) });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /the age identity file 'SOPS_AGE_KEY_FILE' is protected by a passphrase: there is no gpg-agent and no terminal/);
      assert.equal(r.stdout.length, 0);
    });

    it("takes the passphrase from gpg-agent's cache under sops's cache id", function () {
      requireTool(this, 'gpg-agent');
      const preset = ['/usr/lib/gnupg/gpg-preset-passphrase', '/usr/libexec/gpg-preset-passphrase'].find((p) => spawnSync('test', ['-x', p]).status === 0);
      if (!preset) {
        if (process.env.CI === 'true') throw new Error('gpg-preset-passphrase is not installed');
        this.skip();
      }
      const home = mkdtempSync(join(tmpdir(), 'hs-agent-'));
      chmodSync(home, 0o700);
      const genv = { ...process.env, GNUPGHOME: home };
      try {
        writeFileSync(join(home, 'gpg-agent.conf'), 'allow-preset-passphrase\n');
        assert.equal(spawnSync('gpg-connect-agent', ['/bye'], { env: genv }).status, 0);
        const cacheKey = agentCacheKey(dearmor(readFileSync(locked, 'utf8')));
        const p = spawnSync(preset, ['--preset', cacheKey], { input: PASS, env: genv });
        assert.equal(p.status, 0, p.stderr.toString());
        const r = runCli(['decrypt', file], { env: env({ SOPS_AGE_KEY_FILE: locked, GNUPGHOME: home }) });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout.toString(), VALUES);
      } finally {
        spawnSync('gpgconf', ['--kill', 'gpg-agent'], { env: genv });
        rmSync(home, { recursive: true, force: true });
      }
    });

    it('is not opened when a plain identity already opens the file', () => {
      const r = runCli(['decrypt', file], { env: env({ SOPS_AGE_KEY_FILE: locked, SOPS_AGE_KEY: readFileSync(k.keyFile, 'utf8'), GNUPGHOME: join(dir, 'no-agent') }) });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.toString(), VALUES);
    });
  });

  describe('passphrase-protected SSH keys', () => {
    for (const type of ['ed25519', 'rsa']) {
      it(`${type}: asked on the terminal when a file needs that key; refused clearly without a terminal`, async function () {
        requireTool(this, 'ssh-keygen');
        const key = join(dir, `id_${type}_locked`);
        const g = spawnSync('ssh-keygen', ['-q', '-t', type, ...(type === 'rsa' ? ['-b', '2048'] : []), '-N', 'ssh-pass', '-f', key]);
        assert.equal(g.status, 0, g.stderr.toString());
        const pub = readFileSync(`${key}.pub`, 'utf8').trim();
        const file = encryptTo(pub, `ssh-${type}.yaml`);
        const e = env({ SOPS_AGE_SSH_PRIVATE_KEY_FILE: key });
        const t = await onTerminal(['decrypt', file], e, [[/Enter passphrase for ".*id_\w+_locked":/, 'ssh-pass']]);
        assert.equal(t.code, 0, t.screen);
        assert.ok(t.screen.includes('password: hunter2'), t.screen);
        assert.ok(!t.screen.includes('ssh-pass'));
        const wrong = await onTerminal(['decrypt', file], e, [[/Enter passphrase for/, 'nope']]);
        assert.notEqual(wrong.code, 0);
        assert.match(wrong.screen, /incorrect passphrase/);
        const none = runCli(['decrypt', file], { env: e });
        assert.notEqual(none.code, 0);
        assert.match(none.stderr, /could not read passphrase for ".*id_\w+_locked": there is no terminal to ask on/);
      });
    }
  });
});
