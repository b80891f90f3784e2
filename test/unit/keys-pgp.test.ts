// The PGP master key: real sops data keys through gpg (in a throw-away GNUPGHOME) and through the
// openpgp.js fallback (including the RSA-1024 functional-test key), wrapping by fingerprint or armored key.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { parse } from 'yaml';
import { pgpKind } from '../../src/keys/pgp.js';
import { pgp } from '../../src/keys/kinds/pgp.js';
import type { KeyEntry } from '../../src/keys/types.js';
import { SOPS_VECTORS } from '../helpers/paths.js';
import { requireTool } from '../helpers/tools.js';

const KEY_FILE = join(SOPS_VECTORS, 'pgp', 'sops_functional_tests_key.asc');
const ASC = readFileSync(KEY_FILE, 'utf8');
const FP1 = 'FBC7B9E2A4F9289AC0C1D4843D16CEE4A27381B4';
const FP2 = 'D7229043384BCC60326C6FB9D8720D957C3D3074'; // rsa1024
const FP3 = 'B611A2F9F11D0FF82568805119F9B5DAEA91FF86'; // public key only
const SUBKEY1 = '71D962851765394F76DB9CFC25294A17CD90507F';

/** Vector files (yaml/json) whose pgp entries open with the functional-test keys, and their data keys. */
const VECTOR_FILES: [string, string][] = [
  ['example.yaml', 'example.yaml'],
  ['example.json', 'example.json'],
  ['examples/all_in_one/config/secret.enc.json', 'examples__all_in_one__config__secret.enc.json'],
  ['functional-tests/res/multiple_keys.yaml', 'functional-tests__res__multiple_keys.yaml'],
  ['functional-tests/res/comments_unencrypted_comments.yaml', 'functional-tests__res__comments_unencrypted_comments.yaml'],
  ['functional-tests/res/format.enc.yaml', 'functional-tests__res__format.enc.yaml'],
];

function pgpEntries(rel: string): KeyEntry[] {
  const text = readFileSync(join(SOPS_VECTORS, rel), 'utf8');
  const doc = rel.endsWith('.json') ? JSON.parse(text) : parse(text);
  const sops = doc.sops;
  const list = (sops.pgp as Record<string, unknown>[] | null) ?? (sops.key_groups as { pgp?: Record<string, unknown>[] }[]).flatMap((g) => g.pgp ?? []);
  return list.map((fields) => ({ kind: 'pgp', fields }));
}

function expectedDataKey(name: string): string {
  return JSON.parse(readFileSync(join(SOPS_VECTORS, 'expected', `${name}.expected.json`), 'utf8')).data_key_hex;
}

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);
const part = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 0xff);

function assertEnvelope(entry: KeyEntry, fp: string): void {
  assert.equal(entry.kind, 'pgp');
  assert.deepEqual(Object.keys(entry.fields).sort(), ['created_at', 'enc', 'fp']);
  assert.equal(entry.fields.fp, fp);
  assert.match(entry.fields.created_at as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(Math.abs(Date.parse(entry.fields.created_at as string) - Date.now()) < 3600_000);
  const enc = entry.fields.enc as string;
  assert.ok(enc.startsWith('-----BEGIN PGP MESSAGE-----\n'));
  assert.ok(enc.endsWith('-----END PGP MESSAGE-----'), 'no trailing newline');
}

async function publicBlock(fp: string): Promise<string> {
  const blocks = ASC.match(/-----BEGIN PGP PUBLIC KEY BLOCK-----[\s\S]*?-----END PGP PUBLIC KEY BLOCK-----/g)!;
  for (const b of blocks) if ((await openpgp.readKey({ armoredKey: b })).getFingerprint().toUpperCase() === fp) return b;
  throw new Error(`no public block for ${fp}`);
}

async function recipientsOf(enc: string): Promise<string[]> {
  const msg = await openpgp.readMessage({ armoredMessage: enc });
  return msg.getEncryptionKeyIDs().map((id) => id.toHex().toUpperCase());
}

describe('pgp master key', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pgp-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('describes an entry by its fingerprint', () => {
    assert.equal(pgp.describe({ fp: FP1 }), FP1);
    assert.deepEqual(pgp.entry.scalar, ['created_at', 'enc', 'fp']);
    assert.equal(pgp.id, 'pgp');
  });

  describe('through gpg', function () {
    let home: string;
    let env: NodeJS.ProcessEnv;

    before(function () {
      requireTool(this, 'gpg');
      home = mkdtempSync(join(tmpdir(), 'gnupg-'));
      chmodSync(home, 0o700);
      env = { PATH: process.env.PATH, GNUPGHOME: home, HOME: home };
      const r = spawnSync('gpg', ['--batch', '--import', KEY_FILE], { env, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    });
    after(() => {
      if (!home) return;
      spawnSync('gpgconf', ['--kill', 'all'], { env });
      rmSync(home, { recursive: true, force: true });
    });

    it('unwraps the real data keys of six sops files (3.3.1 to 3.13.1, both keys)', async () => {
      let n = 0;
      for (const [rel, name] of VECTOR_FILES) {
        for (const entry of pgpEntries(rel)) {
          assert.equal(hex(await pgpKind.unwrap(entry, { env })), expectedDataKey(name), `${rel} ${entry.fields.fp}`);
          n++;
        }
      }
      assert.equal(n, 10);
    });

    it('wraps to a fingerprint in the keyring (rsa2048 and rsa1024) and unwraps it again', async () => {
      for (const fp of [FP1, FP2]) {
        const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp } }, part, { env });
        assertEnvelope(entry, fp);
        assert.equal(hex(await pgpKind.unwrap(entry, { env })), hex(part));
      }
    });

    it('removes spaces from the fingerprint as sops does', async () => {
      const spaced = FP1.replace(/(.{4})/g, '$1 ').trim();
      const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp: spaced } }, part, { env });
      assert.equal(entry.fields.fp, FP1);
    });

    it("reports gpg's reason when the secret key is missing", async () => {
      const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp: FP3 } }, part, { env });
      assertEnvelope(entry, FP3);
      await assert.rejects(pgpKind.unwrap(entry, { env }), /No secret key/);
    });

    it('fails to wrap for a fingerprint gpg does not know, with its message', async () => {
      await assert.rejects(
        pgpKind.wrap({ kind: 'pgp', fields: { fp: '0000000000000000000000000000000000000000' } }, part, { env }),
        /gpg: /,
      );
    });
  });

  describe('through openpgp.js when there is no gpg binary', () => {
    const noGpg = { SOPS_GPG_EXEC: '/nonexistent/bin/gpg' };

    it('unwraps the real data keys with SOPS_PGP_KEY, including the RSA-1024 key', async () => {
      const env = { ...noGpg, SOPS_PGP_KEY: ASC };
      const seen = new Set<string>();
      for (const [rel, name] of VECTOR_FILES) {
        for (const entry of pgpEntries(rel)) {
          assert.equal(hex(await pgpKind.unwrap(entry, { env })), expectedDataKey(name), `${rel} ${entry.fields.fp}`);
          seen.add(entry.fields.fp as string);
        }
      }
      assert.deepEqual([...seen].sort(), [FP2, FP1].sort());
    });

    it('reads keys from SOPS_PGP_KEY_FILE', async () => {
      const env = { ...noGpg, SOPS_PGP_KEY_FILE: KEY_FILE };
      const [entry] = pgpEntries('example.yaml');
      assert.equal(hex(await pgpKind.unwrap(entry!, { env })), expectedDataKey('example.yaml'));
    });

    it('without gpg and without keys it says so, naming SOPS_PGP_KEY_FILE; a key that is no recipient gives null', async () => {
      const [entry] = pgpEntries('example.yaml');
      await assert.rejects(pgpKind.unwrap(entry!, { env: noGpg }), /^Error: gpg not found \(.*\) and no key in SOPS_PGP_KEY or SOPS_PGP_KEY_FILE: install gnupg, or set SOPS_PGP_KEY_FILE/);
      assert.equal(await pgpKind.unwrap(entry!, { env: { ...noGpg, SOPS_PGP_KEY: await publicBlock(FP3) } }), null);
    });

    it('wraps to a fingerprint found among the environment keys and unwraps it', async () => {
      const env = { ...noGpg, SOPS_PGP_KEY: ASC };
      for (const fp of [FP1, FP2]) {
        const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp } }, part, { env });
        assertEnvelope(entry, fp);
        assert.equal(hex(await pgpKind.unwrap(entry, { env })), hex(part));
      }
    });

    it('pins the exact subkey when the fingerprint ends with "!"', async () => {
      const env = { ...noGpg, SOPS_PGP_KEY: ASC };
      const entry = await pgpKind.wrap({ kind: 'pgp', fields: { fp: `${SUBKEY1}!` } }, part, { env });
      assert.equal(entry.fields.fp, `${SUBKEY1}!`);
      assert.deepEqual(await recipientsOf(entry.fields.enc as string), [SUBKEY1.slice(-16)]);
      assert.equal(hex(await pgpKind.unwrap(entry, { env })), hex(part));
    });

    it('wraps to an armored public key given in the spec; fp becomes its fingerprint', async () => {
      for (const fields of [{ public_key: await publicBlock(FP1) }, { fp: await publicBlock(FP1) }]) {
        const entry = await pgpKind.wrap({ kind: 'pgp', fields }, part, { env: noGpg });
        assertEnvelope(entry, FP1);
        assert.equal(hex(await pgpKind.unwrap(entry, { env: { ...noGpg, SOPS_PGP_KEY: ASC } })), hex(part));
      }
      assert.equal(pgp.describe({ fp: await publicBlock(FP1) }), '(armored public key)');
    });

    it('fails to wrap for an unknown fingerprint, naming the variables to set', async () => {
      await assert.rejects(pgpKind.wrap({ kind: 'pgp', fields: { fp: FP1 } }, part, { env: noGpg }), /no public key for FBC7.*SOPS_PGP_KEY/);
    });

    it('fails with a cause on an unreadable key file', async () => {
      const [entry] = pgpEntries('example.yaml');
      await assert.rejects(pgpKind.unwrap(entry!, { env: { ...noGpg, SOPS_PGP_KEY_FILE: join(dir, 'missing.asc') } }), /SOPS_PGP_KEY_FILE \S*missing\.asc: ENOENT/);
    });
  });

  describe('when gpg exists but fails', () => {
    function fakeGpg(): string {
      const bin = join(dir, 'gpg');
      writeFileSync(bin, '#!/bin/sh\ncat >/dev/null\necho "gpg: encrypted with rsa2048 key" >&2\necho "gpg: decryption failed: No secret key" >&2\nexit 2\n');
      chmodSync(bin, 0o755);
      return bin;
    }

    it("reports gpg's last stderr line", async () => {
      const [entry] = pgpEntries('example.yaml');
      await assert.rejects(pgpKind.unwrap(entry!, { env: { SOPS_GPG_EXEC: fakeGpg() } }), (err: Error) => {
        assert.equal(err.message, 'gpg: decryption failed: No secret key');
        return true;
      });
    });

    it('falls back to the environment keys', async () => {
      const [entry] = pgpEntries('example.yaml');
      const env = { SOPS_GPG_EXEC: fakeGpg(), SOPS_PGP_KEY: ASC };
      assert.equal(hex(await pgpKind.unwrap(entry!, { env })), expectedDataKey('example.yaml'));
    });
  });
});
