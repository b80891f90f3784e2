// The age master key: armor as sops writes it, real sops data keys unwrapped from the vectors,
// and every identity source sops reads (SOPS_AGE_KEY, _FILE, _CMD, the default keys.txt).
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateHybridIdentity, generateIdentity, identityToRecipient } from 'age-encryption';
import { parse } from 'yaml';
import { ageKind, clearAgeIdentityCache } from '../../src/keys/age.js';
import { defaultKeysFile } from '../../src/keys/ageidentity.js';
import { age } from '../../src/keys/kinds/age.js';
import { shellWords } from '../../src/shellwords.js';
import type { KeyEntry } from '../../src/keys/types.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';

const HUMPHD = join(SOPS_VECTORS, 'external', 'humphd-sops-age');
/** Test key only: the published age identity of the humphd-sops-age vector in ../shared/vectors (not a secret). */
const HUMPHD_KEY = 'AGE-SECRET-KEY-1QXRVEJH9S4NQU0FPD6V79ESZQ8S6PXH3L8V40EVPTHFH6KNKD4DQ7SKC4P';

function sopsBlock(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  const doc = path.endsWith('.json') ? JSON.parse(text) : parse(text);
  return doc.sops;
}

function ageEntries(path: string): KeyEntry[] {
  return (sopsBlock(path).age as Record<string, unknown>[]).map((fields) => ({ kind: 'age', fields }));
}

function expectedDataKey(name: string): string {
  return JSON.parse(readFileSync(join(SOPS_VECTORS, 'expected', `${name}.expected.json`), 'utf8')).data_key_hex;
}

const hex = (b: Uint8Array | null) => (b ? Buffer.from(b).toString('hex') : null);

describe('age master key', () => {
  let dir: string;
  /** An environment that cannot see the user's real keys. */
  let base: NodeJS.ProcessEnv;

  beforeEach(() => {
    clearAgeIdentityCache();
    dir = mkdtempSync(join(tmpdir(), 'age-test-'));
    base = { HOME: dir, XDG_CONFIG_HOME: join(dir, 'config'), PATH: process.env.PATH };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('describes an entry by its recipient', () => {
    assert.equal(age.describe({ recipient: 'age1abc', enc: 'x' }), 'age1abc');
    assert.deepEqual(age.entry.scalar, ['enc', 'recipient']);
    assert.equal(age.id, 'age');
  });

  it('wraps to an armored age file with 64-column lines and a trailing newline, and unwraps it', async () => {
    const identity = await generateIdentity();
    const recipient = await identityToRecipient(identity);
    const part = Uint8Array.from({ length: 33 }, (_, i) => i);
    const entry = await ageKind.wrap({ kind: 'age', fields: { recipient } }, part, { env: base });
    assert.equal(entry.kind, 'age');
    assert.deepEqual(Object.keys(entry.fields).sort(), ['enc', 'recipient']);
    assert.equal(entry.fields.recipient, recipient);
    const enc = entry.fields.enc as string;
    assert.ok(enc.startsWith('-----BEGIN AGE ENCRYPTED FILE-----\n'));
    assert.ok(enc.endsWith('\n-----END AGE ENCRYPTED FILE-----\n'));
    const body = enc.split('\n').slice(1, -2);
    body.slice(0, -1).forEach((l) => assert.equal(l.length, 64));
    assert.ok(body.at(-1)!.length <= 64 && body.at(-1)!.length > 0);
    assert.equal(hex(await ageKind.unwrap(entry, { env: { ...base, SOPS_AGE_KEY: identity } })), hex(part));
  });

  it('wraps to a post-quantum age1pq1 recipient and unwraps with its AGE-SECRET-KEY-PQ-1 identity', async () => {
    const identity = await generateHybridIdentity();
    const recipient = await identityToRecipient(identity);
    assert.ok(recipient.startsWith('age1pq1'));
    const entry = await ageKind.wrap({ kind: 'age', fields: { recipient } }, Uint8Array.of(5, 6), { env: base });
    assert.equal(hex(await ageKind.unwrap(entry, { env: { ...base, SOPS_AGE_KEY: identity } })), '0506');
  });

  it('an SSH recipient: no SSH key anywhere gives no result; a file that is not an SSH key is named with the cause', async () => {
    const ssh = { kind: 'age', fields: { recipient: 'ssh-ed25519 AAAAC3Nz user@host', enc: '-----BEGIN AGE ENCRYPTED FILE-----\n' } };
    assert.equal(await ageKind.unwrap(ssh, { env: { ...base, HOME: join(dir, 'no-home') } }), null);
    const notSsh = join(dir, 'not-an-ssh-key');
    writeFileSync(notSsh, 'AGE-SECRET-KEY-1QQQQ\n');
    await assert.rejects(ageKind.unwrap(ssh, { env: { ...base, SOPS_AGE_SSH_PRIVATE_KEY_FILE: notSsh } }), new RegExp(`failed to load age SSH identities: ${notSsh}: not an SSH private key`));
    // SSH keys are not consulted for an X25519 recipient.
    const [entry] = ageEntries(join(HUMPHD, 'tests', 'data', 'secret.enc.yaml'));
    await assert.rejects(ageKind.unwrap(entry!, { env: { ...base, SOPS_AGE_SSH_PRIVATE_KEY_FILE: notSsh } }), /^Error: no age identity found: /);
  });

  it('unwraps the real data keys of the humphd sops files (yaml 3.8.1, json 3.9.2)', async () => {
    const env = { ...base, SOPS_AGE_KEY: HUMPHD_KEY };
    for (const [file, name] of [
      ['secret.enc.yaml', 'external__humphd-sops-age__tests__data__secret.enc.yaml'],
      ['secret.enc.json', 'external__humphd-sops-age__tests__data__secret.enc.json'],
    ] as const) {
      const entries = ageEntries(join(HUMPHD, 'tests', 'data', file));
      assert.equal(entries.length, 3);
      assert.equal(hex(await ageKind.unwrap(entries[0]!, { env })), expectedDataKey(name));
      // The other two recipients' identities are not public: "nothing here can open it", not an error.
      assert.equal(await ageKind.unwrap(entries[1]!, { env }), null);
      assert.equal(await ageKind.unwrap(entries[2]!, { env }), null);
    }
  });

  it('unwraps the helm-secrets age vector with its key file to a 32-byte data key', async () => {
    const env = { ...base, SOPS_AGE_KEY_FILE: join(HS_VECTORS, 'tests', 'assets', 'age', 'key.txt') };
    const [entry] = ageEntries(join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', 'secrets.age.yaml'));
    const key = await ageKind.unwrap(entry!, { env });
    assert.equal(key?.length, 32);
  });

  it('with no identity configured anywhere, says where it looked (not the wrong-key answer)', async () => {
    const [entry] = ageEntries(join(HUMPHD, 'tests', 'data', 'secret.enc.yaml'));
    const keysTxt = defaultKeysFile(base)!;
    await assert.rejects(ageKind.unwrap(entry!, { env: base }), (err: Error) => {
      assert.equal(err.message, `no age identity found: did not find keys in SOPS_AGE_KEY (not set), SOPS_AGE_KEY_FILE (not set), SOPS_AGE_KEY_CMD (not set), '${keysTxt}'`);
      return true;
    });
    // A variable that is set but holds no key is named as such.
    await assert.rejects(ageKind.unwrap(entry!, { env: { ...base, SOPS_AGE_KEY: '' } }), /SOPS_AGE_KEY \(no key\), SOPS_AGE_KEY_FILE \(not set\)/);
  });

  it('combines SOPS_AGE_KEY words, SOPS_AGE_KEY_FILE lines and the default keys.txt', async () => {
    const [a, b, c] = await Promise.all([generateIdentity(), generateIdentity(), generateIdentity()]);
    const wrapFor = async (id: string) =>
      ageKind.wrap({ kind: 'age', fields: { recipient: await identityToRecipient(id) } }, Uint8Array.of(1, 2, 3), { env: base });
    const [ea, eb, ec] = await Promise.all([wrapFor(a), wrapFor(b), wrapFor(c)]);
    const other = await generateIdentity();
    const keyFile = join(dir, 'keys.txt');
    writeFileSync(keyFile, `# created: now\r\n# public key: age1...\r\n\r\n${b}\r\n`);
    mkdirSync(join(dir, 'config', 'sops', 'age'), { recursive: true });
    writeFileSync(join(dir, 'config', 'sops', 'age', 'keys.txt'), `# default file\n\n${c}\n`);
    const env = { ...base, SOPS_AGE_KEY: `${other} ${a}\n# comment\n`, SOPS_AGE_KEY_FILE: keyFile };
    for (const e of [ea, eb, ec]) assert.equal(hex(await ageKind.unwrap(e, { env })), '010203');
  });

  it('runs SOPS_AGE_KEY_CMD with SOPS_AGE_RECIPIENT set and reads identities from its stdout', async () => {
    const id = await generateIdentity();
    const recipient = await identityToRecipient(id);
    const entry = await ageKind.wrap({ kind: 'age', fields: { recipient } }, Uint8Array.of(9), { env: base });
    const keyFile = join(dir, 'secret key.txt');
    writeFileSync(keyFile, `${id}\n`);
    const script = join(dir, 'print-key.sh');
    // Prints the key only when asked for the right recipient, proving the variable is passed.
    writeFileSync(script, `#!/bin/sh\n[ "$SOPS_AGE_RECIPIENT" = "${recipient}" ] && cat "$1"\n`);
    chmodSync(script, 0o755);
    const env = { ...base, SOPS_AGE_KEY_CMD: `${script} '${keyFile}'` };
    assert.equal(hex(await ageKind.unwrap(entry, { env })), '09');
  });

  it('reports a failing identity source instead of silently finding nothing', async () => {
    const [entry] = ageEntries(join(HUMPHD, 'tests', 'data', 'secret.enc.yaml'));
    const env = { ...base, SOPS_AGE_KEY_FILE: join(dir, 'missing.txt') };
    await assert.rejects(ageKind.unwrap(entry!, { env }), /SOPS_AGE_KEY_FILE.*ENOENT/);
    clearAgeIdentityCache();
    await assert.rejects(ageKind.unwrap(entry!, { env: { ...base, SOPS_AGE_KEY_CMD: join(dir, 'no-such-cmd') } }), /failed to execute command/);
  });

  it('rejects a malformed identity without echoing it', async () => {
    const [entry] = ageEntries(join(HUMPHD, 'tests', 'data', 'secret.enc.yaml'));
    const bad = 'AGE-SECRET-KEY-1NOTVALIDBECH32';
    await assert.rejects(ageKind.unwrap(entry!, { env: { ...base, SOPS_AGE_KEY: bad } }), (err: Error) => {
      assert.match(err.message, /SOPS_AGE_KEY: malformed identity/);
      assert.ok(!err.message.includes(bad));
      return true;
    });
  });

  it('still succeeds when one source fails but another identity matches', async () => {
    const [entry] = ageEntries(join(HUMPHD, 'tests', 'data', 'secret.enc.yaml'));
    const env = { ...base, SOPS_AGE_KEY: HUMPHD_KEY, SOPS_AGE_KEY_FILE: join(dir, 'missing.txt') };
    assert.equal(hex(await ageKind.unwrap(entry!, { env })), expectedDataKey('external__humphd-sops-age__tests__data__secret.enc.yaml'));
  });

  it('fails on a corrupted enc with a cause', async () => {
    const [entry] = ageEntries(join(HUMPHD, 'tests', 'data', 'secret.enc.yaml'));
    const enc = entry!.fields.enc as string;
    const lines = enc.split('\n');
    lines[3] = lines[3]!.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
    const broken = { kind: 'age', fields: { ...entry!.fields, enc: lines.join('\n') } };
    await assert.rejects(ageKind.unwrap(broken, { env: { ...base, SOPS_AGE_KEY: HUMPHD_KEY } }), /age/);
  });

  it('refuses recipients the library cannot encrypt to, naming the type', async () => {
    const ctx = { env: base };
    await assert.rejects(ageKind.wrap({ kind: 'age', fields: { recipient: 'ssh-ed25519 AAAAC3Nz user@host' } }, Uint8Array.of(1), ctx), /malformed SSH recipient: "ssh-ed25519 AAAAC3Nz user@host": truncated SSH key/);
    await assert.rejects(ageKind.wrap({ kind: 'age', fields: { recipient: 'ssh-dss AAAAB3NzaC1kc3MAAAA=' } }, Uint8Array.of(1), ctx), /malformed SSH recipient/);
    await assert.rejects(ageKind.wrap({ kind: 'age', fields: { recipient: 'age1yubikey1qwerty' } }, Uint8Array.of(1), ctx), /failed to parse input as age key from age plugin/);
    await assert.rejects(ageKind.wrap({ kind: 'age', fields: { recipient: 'nope' } }, Uint8Array.of(1), ctx), /unknown age recipient type/);
  });

  it('finds the default keys file per platform like sops', () => {
    assert.equal(defaultKeysFile({ HOME: '/h' }, 'linux'), '/h/.config/sops/age/keys.txt');
    assert.equal(defaultKeysFile({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'linux'), '/x/sops/age/keys.txt');
    assert.equal(defaultKeysFile({ HOME: '/h' }, 'darwin'), '/h/Library/Application Support/sops/age/keys.txt');
    assert.equal(defaultKeysFile({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'darwin'), '/x/sops/age/keys.txt');
    assert.equal(defaultKeysFile({ HOME: '/h', APPDATA: '/appdata' }, 'win32'), join('/appdata', 'sops', 'age', 'keys.txt'));
  });

  it('splits SOPS_AGE_KEY_CMD like a shell without expanding anything', () => {
    assert.deepEqual(shellWords(`cmd -a 'b c' "d \\"e\\"" f\\ g $HOME`), ['cmd', '-a', 'b c', 'd "e"', 'f g', '$HOME']);
    assert.equal(shellWords(`cmd 'unterminated`), null);
  });
});
