// The native age reader (src/keys/agefile.ts) against the two implementations it must agree with: files written by
// the age binary and by the age library open to the same bytes, and every single-byte corruption of a file is
// refused by both or by neither.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { Decrypter, Encrypter, armor, generateHybridIdentity, generateIdentity, identityToRecipient } from 'age-encryption';
import { decryptX25519, dearmor, isWellFormedIdentity, parseHeader, parseX25519Identity } from '../../src/keys/agefile.js';
import { ageKeygen } from '../helpers/tools.js';

async function libEncrypt(plain: Uint8Array, recipients: string[]): Promise<Uint8Array> {
  const e = new Encrypter();
  for (const r of recipients) e.addRecipient(r);
  return e.encrypt(plain);
}

/** The library's verdict: the plaintext as hex, or 'fail'. */
async function libOpen(file: Uint8Array, identity: string): Promise<string> {
  const d = new Decrypter();
  d.addIdentity(identity);
  try {
    return Buffer.from(await d.decrypt(file)).toString('hex');
  } catch {
    return 'fail';
  }
}

function nativeOpen(file: Uint8Array, identity: string): string {
  try {
    const out = decryptX25519(file, [parseX25519Identity(identity)!]);
    return out ? out.toString('hex') : 'fail';
  } catch {
    return 'fail';
  }
}

describe('native age reader (X25519 files, node:crypto)', () => {
  let identity: string;
  let recipient: string;

  before(async () => {
    identity = await generateIdentity();
    recipient = await identityToRecipient(identity);
  });

  it('opens what the age library wrote, for payloads of 0 bytes to several STREAM chunks', async () => {
    for (const size of [0, 1, 32, 65535, 65536, 65537, 200_000]) {
      const plain = randomBytes(size);
      const file = await libEncrypt(plain, [recipient]);
      const out = decryptX25519(file, [parseX25519Identity(identity)!]);
      assert.ok(out, `size ${size}`);
      assert.equal(Buffer.compare(out, plain), 0, `size ${size}`);
    }
  });

  it('finds its stanza among other recipients, including a post-quantum one it skips', async () => {
    const other = await identityToRecipient(await generateIdentity());
    const pq = await identityToRecipient(await generateHybridIdentity());
    const plain = randomBytes(32);
    const file = await libEncrypt(plain, [other, pq, recipient]);
    assert.deepEqual(parseHeader(file).stanzas.map((s) => s.args[0]), ['X25519', 'mlkem768x25519', 'X25519']);
    assert.equal(decryptX25519(file, [parseX25519Identity(identity)!])?.toString('hex'), plain.toString('hex'));
  });

  it('returns null, not an error, when no key opens any stanza', async () => {
    const file = await libEncrypt(randomBytes(32), [recipient]);
    const stranger = parseX25519Identity(await generateIdentity())!;
    assert.equal(decryptX25519(file, [stranger]), null);
  });

  it('refuses a wrong header MAC, a flipped payload byte, a truncated or extended payload, with the cause', async () => {
    const plain = randomBytes(32);
    const file = Buffer.from(await libEncrypt(plain, [recipient]));
    const key = [parseX25519Identity(identity)!];
    const macAt = file.indexOf('\n--- ') + 5;
    const badMac = Buffer.from(file);
    badMac[macAt] = badMac[macAt] === 0x41 ? 0x42 : 0x41;
    assert.throws(() => decryptX25519(badMac, key), /invalid header HMAC|invalid base64/);
    const badPayload = Buffer.from(file);
    badPayload[badPayload.length - 1]! ^= 1;
    assert.throws(() => decryptX25519(badPayload, key), /payload chunk failed to decrypt/);
    assert.throws(() => decryptX25519(file.subarray(0, file.length - 1), key), /payload chunk failed to decrypt/);
    assert.throws(() => decryptX25519(Buffer.concat([file, Buffer.from([0])]), key), /payload chunk failed to decrypt/);
    const header = file.subarray(0, file.indexOf('\n--- ') + 1);
    assert.throws(() => decryptX25519(Buffer.concat([Buffer.from('age-encryption.org/v2\n'), header.subarray(22)]), key), /invalid version/);
    const nonAscii = Buffer.from(file);
    nonAscii[file.indexOf('-> X25519') + 3] = 0xc3;
    assert.throws(() => decryptX25519(nonAscii, key), /non-ASCII/);
  });

  it('agrees with the age library on every single-byte change to a file', async function () {
    this.timeout(120_000);
    const file = Buffer.from(await libEncrypt(randomBytes(32), [recipient]));
    let opened = 0;
    for (let i = 0; i < file.length; i++) {
      for (const flip of [0x01, 0x20]) {
        const bad = Buffer.from(file);
        bad[i]! ^= flip;
        const lib = await libOpen(bad, identity);
        assert.equal(nativeOpen(bad, identity), lib, `byte ${i} ^ ${flip}`);
        if (lib !== 'fail') opened++;
      }
    }
    // Every change breaks authentication somewhere: neither implementation may accept a modified file.
    assert.equal(opened, 0);
  });

  it('de-armors exactly what the library armors, and refuses what it refuses', async () => {
    const file = await libEncrypt(randomBytes(100), [recipient]);
    const text = armor.encode(file);
    assert.equal(Buffer.compare(dearmor(text), Buffer.from(file)), 0);
    assert.equal(Buffer.compare(dearmor(`\n  ${text.replaceAll('\n', '\r\n')}  \n`), Buffer.from(file)), 0);
    const lines = text.trimEnd().split('\n');
    const cases: [string, RegExp][] = [
      [lines.slice(1).join('\n'), /invalid header/],
      [lines.slice(0, -1).join('\n'), /invalid footer/],
      [[lines[0], lines[1]!.slice(1), ...lines.slice(2)].join('\n'), /invalid line length/],
      [[lines[0], `${lines[1]!.slice(0, 63)}!`, ...lines.slice(2)].join('\n'), /invalid base64/],
    ];
    for (const [bad, why] of cases) {
      assert.throws(() => dearmor(bad), why);
      assert.throws(() => armor.decode(bad));
    }
  });

  it('reads identities as the library does: X25519 and post-quantum forms, and nothing malformed', async () => {
    const pq = await generateHybridIdentity();
    assert.ok(isWellFormedIdentity(identity));
    assert.ok(isWellFormedIdentity(pq));
    assert.equal(parseX25519Identity(pq), undefined);
    assert.equal(isWellFormedIdentity(identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q')), false);
    assert.equal(isWellFormedIdentity('AGE-PLUGIN-YUBIKEY-1QQQ'), false);
    const k = parseX25519Identity(identity)!;
    // The public half derived by OpenSSL is the recipient the library derives.
    const { bech32 } = await import('@scure/base');
    assert.equal(bech32.encodeFromBytes('age', k.publicKey), recipient);
  });

  describe('with the age binary', function () {
    let dir: string;
    let keyFile: string;
    let binRecipient: string;

    before(function () {
      ({ dir, keyFile, recipient: binRecipient } = ageKeygen(this, 'agefile-'));
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('opens what age -e -a wrote (one and several recipients, one and several chunks)', async () => {
      const id = readFileSync(keyFile, 'utf8').split('\n').find((l) => l.startsWith('AGE-SECRET-KEY-1'))!;
      for (const size of [32, 70_000]) {
        const plain = randomBytes(size);
        const args = ['-e', '-a', '-r', await identityToRecipient(await generateIdentity()), '-r', binRecipient];
        const r = spawnSync('age', args, { input: plain });
        assert.equal(r.status, 0, r.stderr.toString());
        const out = decryptX25519(dearmor(r.stdout.toString('latin1')), [parseX25519Identity(id)!]);
        assert.equal(out?.toString('hex'), plain.toString('hex'), `size ${size}`);
      }
    });
  });
});
