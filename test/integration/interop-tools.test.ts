// Interoperability with the real tools: what we wrap, plain `gpg -d` and `age -d` open; what they
// encrypt, we unwrap. gpg always runs in a throw-away GNUPGHOME whose agent is killed afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ageKind, clearAgeIdentityCache } from '../../src/keys/age.js';
import { pgpKind } from '../../src/keys/pgp.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

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
      requireTool(this, 'age');
      requireTool(this, 'age-keygen');
      dir = mkdtempSync(join(tmpdir(), 'age-interop-'));
      keyFile = join(dir, 'keys.txt');
      run('age-keygen', ['-o', keyFile], '', process.env);
      recipient = /# public key: (age1\S+)/.exec(readFileSync(keyFile, 'utf8'))![1]!;
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
});
