// Interoperability with the real tools: what we wrap, plain `gpg -d` and `age -d` open; what they
// encrypt, we unwrap. gpg always runs in a throw-away GNUPGHOME whose agent is killed afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ageKind, clearAgeIdentityCache } from '../../src/keys/age.js';
import { pgpKind } from '../../src/keys/pgp.js';
import { runCli, testEnv } from '../helpers/env.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';
import { ageKeygen, requireTool } from '../helpers/tools.js';

const KEY_FILE = join(SOPS_VECTORS, 'pgp', 'sops_functional_tests_key.asc');
const FP1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const FP2 = 'D7229043384BCC60326C6FB9D8720D957C3D3074';
const hex = (b: Uint8Array | Buffer | null) => (b ? Buffer.from(b).toString('hex') : null);

function run(cmd: string, args: string[], input: Uint8Array | string, env: NodeJS.ProcessEnv): Buffer {
  const r = spawnSync(cmd, args, { input, env });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout;
}

describe('interop with the gpg and age binaries', () => {
  describe('gpg', function () {
    let home: string;
    let gpgEnv: NodeJS.ProcessEnv;
    const fallbackEnv = { SOPS_GPG_EXEC: '/nonexistent/gpg', SOPS_PGP_KEY: readFileSync(KEY_FILE, 'utf8') };

    before(function () {
      requireTool(this, 'gpg');
      home = mkdtempSync(join(tmpdir(), 'gnupg-'));
      chmodSync(home, 0o700);
      gpgEnv = { PATH: process.env.PATH, GNUPGHOME: home, HOME: home };
      run('gpg', ['--batch', '--import', KEY_FILE], '', gpgEnv);
    });
    after(() => {
      if (!home) return;
      spawnSync('gpgconf', ['--kill', 'all'], { env: gpgEnv });
      rmSync(home, { recursive: true, force: true });
    });

    it('plain gpg -d opens what openpgp.js wrapped (rsa2048 and rsa1024)', async () => {
      for (const fp of [FP1, FP2]) {
        const part = randomBytes(32);
        const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp } }, part, { env: fallbackEnv });
        assert.equal(hex(run('gpg', ['--batch', '--quiet', '-d'], entry.fields.enc as string, gpgEnv)), hex(part));
      }
    });

    it('plain gpg -d opens what we wrapped through gpg', async () => {
      const part = randomBytes(33);
      const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp: FP1 } }, part, { env: gpgEnv });
      assert.equal(hex(run('gpg', ['--batch', '--quiet', '-d'], entry.fields.enc as string, gpgEnv)), hex(part));
    });

    it('we unwrap what gpg --encrypt made (compressed by default), through gpg and through openpgp.js', async () => {
      for (const extra of [[], ['--compress-algo', 'zlib'], ['--compress-algo', 'none']]) {
        const part = randomBytes(32);
        const enc = run(
          'gpg',
          ['--batch', '--yes', '--encrypt', '-a', '-r', FP1, '--trusted-key', FP1.slice(-16), '--no-encrypt-to', ...extra],
          part,
          gpgEnv,
        ).toString('utf8');
        const entry = { kind: 'pgp', fields: { fp: FP1, created_at: '2024-01-01T00:00:00Z', enc } };
        assert.equal(hex(await pgpKind.unwrap(entry, { env: gpgEnv })), hex(part), `gpg path ${extra.join(' ')}`);
        assert.equal(hex(await pgpKind.unwrap(entry, { env: fallbackEnv })), hex(part), `openpgp.js path ${extra.join(' ')}`);
      }
    });
  });

  describe('age', function () {
    let dir: string;
    let keyFile: string;
    let recipient: string;

    before(function () {
      ({ dir, keyFile, recipient } = ageKeygen(this, 'age-interop-'));
    });
    beforeEach(() => clearAgeIdentityCache());
    after(() => dir && rmSync(dir, { recursive: true, force: true }));

    const env = () => ({ HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg'), SOPS_AGE_KEY_FILE: keyFile });

    it('age -d opens what we wrapped', async () => {
      const part = randomBytes(33);
      const entry = await ageKind.wrap({ kind: 'age', fields: { recipient } }, part, { env: env() });
      assert.equal(hex(run('age', ['-d', '-i', keyFile], entry.fields.enc as string, process.env)), hex(part));
    });

    it('we unwrap what age -e -a made, and age-keygen key files (with comments) are read', async () => {
      const part = randomBytes(32);
      const enc = run('age', ['-e', '-a', '-r', recipient], part, process.env).toString('utf8');
      assert.equal(hex(await ageKind.unwrap({ kind: 'age', fields: { recipient, enc } }, { env: env() })), hex(part));
    });

    it('age -d and we agree on the data keys of real sops files', async () => {
      const cases = [
        [join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.age.yaml'), join(HS_VECTORS, 'tests', 'assets', 'age', 'key.txt')],
        [join(SOPS_VECTORS, 'external', 'humphd-sops-age', 'tests', 'data', 'secret.enc.yaml'), join(SOPS_VECTORS, 'external', 'humphd-sops-age', 'key.txt')],
      ];
      for (const [file, key] of cases) {
        clearAgeIdentityCache();
        const fields = parse(readFileSync(file!, 'utf8')).sops.age[0];
        const theirs = run('age', ['-d', '-i', key!], fields.enc, process.env);
        assert.equal(theirs.length, 32);
        const ours = await ageKind.unwrap({ kind: 'age', fields }, { env: { HOME: dir, XDG_CONFIG_HOME: join(dir, 'cfg'), SOPS_AGE_KEY_FILE: key } });
        assert.equal(hex(ours), hex(theirs));
      }
    });
  });

  // age's SSH recipients (ssh-ed25519, ssh-rsa): keys made by ssh-keygen, stanzas checked against the age binary.
  describe('age with SSH keys', function () {
    let dir: string;
    const keys: Record<string, { key: string; pub: string }> = {};
    before(function () {
      requireTool(this, 'age');
      requireTool(this, 'ssh-keygen');
      dir = mkdtempSync(join(tmpdir(), 'age-ssh-'));
      for (const [name, args] of [['ed25519', ['-t', 'ed25519']], ['rsa', ['-t', 'rsa', '-b', '3072']], ['rsa-pem', ['-t', 'rsa', '-b', '2048', '-m', 'PEM']]] as const) {
        const key = join(dir, `id_${name}`);
        run('ssh-keygen', ['-q', ...args, '-N', '', '-C', `test ${name}`, '-f', key], '', process.env);
        keys[name] = { key, pub: readFileSync(`${key}.pub`, 'utf8').trim() };
      }
    });
    after(() => dir && rmSync(dir, { recursive: true, force: true }));
    beforeEach(() => clearAgeIdentityCache());
    const env = (extra: NodeJS.ProcessEnv = {}) => ({ HOME: join(dir ?? '', 'home'), XDG_CONFIG_HOME: join(dir ?? '', 'cfg'), ...extra });

    for (const name of ['ed25519', 'rsa', 'rsa-pem']) {
      it(`${name}: age -d -i KEY opens what we wrapped, we unwrap what age -R KEY.pub made`, async () => {
        const { key, pub } = keys[name]!;
        const part = randomBytes(32);
        const entry = await ageKind.wrap({ kind: 'age', fields: { recipient: pub } }, part, { env: env() });
        assert.match(entry.fields.enc as string, name === 'ed25519' ? /^-----BEGIN AGE ENCRYPTED FILE-----/ : /AGE ENCRYPTED FILE/);
        assert.equal(hex(run('age', ['-d', '-i', key], entry.fields.enc as string, process.env)), hex(part));
        const theirs = randomBytes(32);
        const enc = run('age', ['-e', '-a', '-R', `${key}.pub`], theirs, process.env).toString('utf8');
        const fields = { recipient: pub, enc };
        assert.equal(hex(await ageKind.unwrap({ kind: 'age', fields }, { env: env({ SOPS_AGE_SSH_PRIVATE_KEY_FILE: key }) })), hex(theirs));
        // Another SSH key does not open it: not this key's stanza, so no result rather than an error.
        const other = name === 'ed25519' ? keys.rsa!.key : keys.ed25519!.key;
        clearAgeIdentityCache();
        assert.equal(await ageKind.unwrap({ kind: 'age', fields }, { env: env({ SOPS_AGE_SSH_PRIVATE_KEY_FILE: other }) }), null);
      });
    }

    it('finds ~/.ssh/id_ed25519 when no variable is set, and runs SOPS_AGE_SSH_PRIVATE_KEY_CMD with SOPS_AGE_RECIPIENT', async () => {
      const { key, pub } = keys.ed25519!;
      const part = randomBytes(32);
      const fields = (await ageKind.wrap({ kind: 'age', fields: { recipient: pub } }, part, { env: env() })).fields;
      const home = join(dir, 'home');
      run('mkdir', ['-p', join(home, '.ssh')], '', process.env);
      run('cp', [key, join(home, '.ssh', 'id_ed25519')], '', process.env);
      assert.equal(hex(await ageKind.unwrap({ kind: 'age', fields }, { env: env() })), hex(part));
      clearAgeIdentityCache();
      const script = join(dir, 'print-key.sh');
      run('sh', ['-c', `printf '%s\\n' '#!/bin/sh' 'test "$SOPS_AGE_RECIPIENT" = "${pub}" || exit 3' 'cat ${key}' > ${script}; chmod 755 ${script}`], '', process.env);
      const viaCmd = await ageKind.unwrap({ kind: 'age', fields }, { env: { ...env(), HOME: join(dir, 'nohome'), SOPS_AGE_SSH_PRIVATE_KEY_CMD: script } });
      assert.equal(hex(viaCmd), hex(part));
    });

    it('CLI: a creation rule with SSH recipients encrypts; each private key decrypts the file', () => {
      const work = mkdtempSync(join(dir, 'cli-'));
      writeFileSync(join(work, '.sops.yaml'), `creation_rules:\n  - age: ${keys.ed25519!.pub}, ${keys.rsa!.pub}\n`);
      const plain = 'db:\n    password: hunter2\nport: 5432\n';
      writeFileSync(join(work, 'secrets.yaml'), plain);
      const base = testEnv({ HOME: join(work, 'home') });
      const enc = runCli(['encrypt', '-i', 'secrets.yaml'], { env: base, cwd: work });
      assert.equal(enc.code, 0, enc.stderr);
      const text = readFileSync(join(work, 'secrets.yaml'), 'utf8');
      assert.doesNotMatch(text, /hunter2/);
      assert.equal((text.match(/recipient: ssh-/g) ?? []).length, 2);
      for (const name of ['ed25519', 'rsa']) {
        const dec = runCli(['decrypt', 'secrets.yaml'], { env: { ...base, SOPS_AGE_SSH_PRIVATE_KEY_FILE: keys[name]!.key }, cwd: work });
        assert.equal(dec.code, 0, dec.stderr);
        assert.equal(dec.stdout.toString('utf8'), plain);
      }
      const none = runCli(['decrypt', 'secrets.yaml'], { env: base, cwd: work });
      assert.equal(none.code, 128);
      assert.match(none.stderr, /ssh-ed25519 AAAA/);
    });

    it('a passphrase-protected key with no terminal to ask on, or printed by a command, is refused with that cause; a bad recipient line is one clear error', async () => {
      const locked = join(dir, 'id_locked');
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret-pass', '-f', locked], '', process.env);
      const pub = readFileSync(`${locked}.pub`, 'utf8').trim();
      const fields = (await ageKind.wrap({ kind: 'age', fields: { recipient: pub } }, randomBytes(32), { env: env() })).fields;
      await assert.rejects(
        ageKind.unwrap({ kind: 'age', fields }, { env: env({ SOPS_AGE_SSH_PRIVATE_KEY_FILE: locked }) }),
        (e: Error) => /could not read passphrase for ".*id_locked": there is no terminal to ask on/.test(e.message) && !e.message.includes('secret-pass'),
      );
      clearAgeIdentityCache();
      await assert.rejects(
        ageKind.unwrap({ kind: 'age', fields }, { env: env({ SOPS_AGE_SSH_PRIVATE_KEY_CMD: `cat ${locked}` }) }),
        (e: Error) => /password protected, which is unsupported/.test(e.message) && !e.message.includes('secret-pass'),
      );
      await assert.rejects(ageKind.wrap({ kind: 'age', fields: { recipient: 'ssh-ed25519 AAAAnotbase64!' } }, randomBytes(32), { env: env() }), /malformed SSH recipient/);
    });
  });
});
