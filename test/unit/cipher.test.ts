// The leaf cipher against sops's own unit vector and Go's plaintext rules for every type.
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  IvStash,
  decryptValue,
  encryptValue,
  isEncrypted,
  parseEnc,
  sealLeaf,
  toBytes,
  typeOf,
} from '../../src/sops/cipher.js';
import { canonicalTime, rfc3339Seconds } from '../../src/sops/goparse.js';
import { Comment, SopsTime } from '../../src/sops/tree.js';
import { SopsError } from '../../src/errors.js';
import { SOPS_VECTORS } from '../helpers/paths.js';

const KEY = Buffer.alloc(32, 0x66);
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const code25 = (re: RegExp) => (e: unknown) => e instanceof SopsError && e.code === 25 && re.test(e.message);

describe('cipher: sops unit vector', () => {
  const lines = readFileSync(join(SOPS_VECTORS, 'aes', 'unit_vector.txt'), 'utf8');
  const enc = /ciphertext\s*=\s*(ENC\[\S+\])/.exec(lines)![1];

  it('decrypts to "foo" with AAD bar:', () => {
    assert.equal(decryptValue(enc, KEY, 'bar:'), 'foo');
  });
  it('re-encrypts to the same string with the same IV', () => {
    assert.equal(encryptValue('foo', KEY, 'bar:', Buffer.from(parseEnc(enc)!.iv, 'base64')), enc);
  });
  it('fails with AAD "" (authentication), exit 25', () => {
    assert.throws(() => decryptValue(enc, KEY, ''), code25(/authentication failed/));
  });
  it('fails with another key', () => {
    assert.throws(() => decryptValue(enc, Buffer.alloc(32, 1), 'bar:'), code25(/authentication failed/));
  });
});

describe('cipher: canonical plaintext bytes', () => {
  const cases: [Parameters<typeof toBytes>[0], string, string][] = [
    ['héllo', 'héllo', 'str'],
    [-9223372036854775808n, '-9223372036854775808', 'int'],
    [7n, '7', 'int'],
    [3.14, '3.14', 'float'],
    [1000, '1000', 'float'],
    [1e21, '1000000000000000000000', 'float'],
    [1e-7, '0.0000001', 'float'],
    [-0, '-0', 'float'],
    [Infinity, '+Inf', 'float'],
    [-Infinity, '-Inf', 'float'],
    [NaN, 'NaN', 'float'],
    [true, 'True', 'bool'],
    [false, 'False', 'bool'],
    [new SopsTime('2024-01-01T00:00:00Z'), '2024-01-01T00:00:00Z', 'time'],
    [new Comment(' a comment'), ' a comment', 'comment'],
    [new Uint8Array([0x61, 0x62]), 'ab', 'str'],
  ];
  for (const [v, bytes, type] of cases) {
    it(`${String(v instanceof Object ? v.constructor.name : v)} -> ${bytes} (${type})`, () => {
      assert.equal(text(toBytes(v)), bytes);
      assert.equal(typeOf(v), type);
    });
  }
});

describe('cipher: round trip per type', () => {
  const values = [
    'plain',
    '多字节 ✓',
    9223372036854775807n,
    -42n,
    25.4,
    -0,
    Infinity,
    -Infinity,
    true,
    false,
    new SopsTime('2024-06-01T10:20:30.5+02:00'),
    new Comment(' note'),
  ];
  for (const v of values) {
    it(`${typeOf(v)} ${text(toBytes(v))}`, () => {
      const enc = encryptValue(v, KEY, 'a:b:');
      assert.match(enc, new RegExp(`^ENC\\[AES256_GCM,data:[A-Za-z0-9+/=]+,iv:[A-Za-z0-9+/=]{43}=,tag:[A-Za-z0-9+/=]{22}==,type:${typeOf(v)}\\]$`));
      const back = decryptValue(enc, KEY, 'a:b:');
      assert.equal(typeOf(back), typeOf(v));
      assert.equal(text(toBytes(back)), text(toBytes(v)));
    });
  }
  it('NaN comes back as NaN', () => {
    assert.ok(Number.isNaN(decryptValue(encryptValue(NaN, KEY, 'x:'), KEY, 'x:')));
  });
  it('uses a fresh 32-byte IV each time', () => {
    const a = parseEnc(encryptValue('same', KEY, 'x:'))!;
    const b = parseEnc(encryptValue('same', KEY, 'x:'))!;
    assert.equal(Buffer.from(a.iv, 'base64').length, 32);
    assert.notEqual(a.iv, b.iv);
  });
  it('never wraps empty plaintexts, and "" decrypts to ""', () => {
    assert.equal(encryptValue('', KEY, 'x:'), '');
    assert.equal(encryptValue(new Comment(''), KEY, 'x:'), '');
    assert.equal(encryptValue(new Uint8Array(0), KEY, 'x:'), '');
    assert.equal(decryptValue('', KEY, 'x:'), '');
  });
});

describe('cipher: parsing back like Go', () => {
  const seal = (plain: string | Uint8Array, type: string) =>
    sealLeaf(typeof plain === 'string' ? Buffer.from(plain) : plain, type, KEY, 'k:');
  const open = (plain: string | Uint8Array, type: string) => decryptValue(seal(plain, type), KEY, 'k:');

  it('int: Atoi with sign and int64 range', () => {
    assert.equal(open('+5', 'int'), 5n);
    assert.equal(open('-0012', 'int'), -12n);
    assert.throws(() => open('9223372036854775808', 'int'), code25(/out of range/));
    assert.throws(() => open('0x10', 'int'), code25(/invalid syntax/));
    assert.throws(() => open('1_000', 'int'), code25(/invalid syntax/));
  });
  it('float: ParseFloat spellings', () => {
    assert.equal(open('1.', 'float'), 1);
    assert.equal(open('.5', 'float'), 0.5);
    assert.equal(open('1e3', 'float'), 1000);
    assert.equal(open('inf', 'float'), Infinity);
    assert.equal(open('-Infinity', 'float'), -Infinity);
    assert.ok(Number.isNaN(open('nan', 'float') as number));
    assert.throws(() => open('1e400', 'float'), code25(/out of range/));
    assert.throws(() => open(' 1', 'float'), code25(/invalid syntax/));
  });
  it('bool: ParseBool set only', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) assert.equal(open(t, 'bool'), true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) assert.equal(open(f, 'bool'), false);
    assert.throws(() => open('yes', 'bool'), code25(/bool/));
  });
  it('time: canonical MarshalText', () => {
    const t = open('2024-01-01T10:00:00.120000+00:00', 'time');
    assert.ok(t instanceof SopsTime);
    assert.equal(t.text, '2024-01-01T10:00:00.12Z');
    assert.equal(canonicalTime('2024-02-29T23:59:59-05:30'), '2024-02-29T23:59:59-05:30');
    assert.throws(() => open('2023-02-29T00:00:00Z', 'time'), code25(/time/));
  });
  it('str: invalid UTF-8 comes back as bytes; bytes type as bytes', () => {
    const raw = new Uint8Array([0xff, 0x00, 0x41]);
    const v = open(raw, 'str');
    assert.ok(v instanceof Uint8Array);
    assert.deepEqual([...v], [0xff, 0x00, 0x41]);
    assert.equal(open('\uFFFD real', 'str'), '\uFFFD real');
    const b = open('abc', 'bytes');
    assert.ok(b instanceof Uint8Array);
    assert.equal(text(b), 'abc');
  });
  it('unknown datatype fails', () => {
    assert.throws(() => open('x', 'weird'), code25(/^Unknown datatype: weird$/));
  });
  it('never quotes the plaintext in errors', () => {
    try {
      open('supersecret', 'int');
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof SopsError);
      assert.ok(!e.message.includes('supersecret'));
    }
  });
});

describe('cipher: ENC syntax (sops regex semantics)', () => {
  const enc = encryptValue('v', KEY, 'p:');
  it('accepts trailing text after ] (not end-anchored)', () => {
    assert.equal(decryptValue(enc + 'trailing', KEY, 'p:'), 'v');
    assert.ok(isEncrypted(enc + ' x'));
  });
  it('rejects empty groups and other prefixes', () => {
    assert.equal(parseEnc('ENC[AES256_GCM,data:,iv:a,tag:b,type:str]'), null);
    assert.equal(isEncrypted(' ' + enc), false);
    assert.equal(isEncrypted(42), false);
    assert.throws(() => decryptValue('ENC[AES256_GCM,data:,iv:a,tag:b,type:str]', KEY, 'p:'), code25(/does not match sops' data format/));
    assert.throws(() => decryptValue('not encrypted', KEY, 'p:'), code25(/does not match/));
  });
  it('rejects base64 Go would refuse', () => {
    const bad = enc.replace(/iv:([^,]+)=/, 'iv:$1');
    assert.throws(() => decryptValue(bad, KEY, 'p:'), code25(/base64-decoding iv/));
  });
  it('splits like sops\'s greedy regex, for any mix of separators, `]` and newlines', () => {
    // The regex sops uses, run by a backtracking engine on short strings only (it is O(n^4)).
    const SOPS_RE = /^ENC\[AES256_GCM,data:([^\n]+),iv:([^\n]+),tag:([^\n]+),type:([^\n]+)\]/;
    const piece = fc.constantFrom(',iv:', ',tag:', ',type:', ']', '\n', 'a', 'Zm9v', '=', ',', ':');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 14 }), (pieces) => {
        const s = 'ENC[AES256_GCM,data:' + pieces.join('');
        const m = SOPS_RE.exec(s);
        const want = m ? { data: m[1], iv: m[2], tag: m[3], type: m[4] } : null;
        assert.deepEqual(parseEnc(s), want, JSON.stringify(s));
        assert.equal(isEncrypted(s), m !== null);
      }),
      { numRuns: 3000 },
    );
  });
  it('parseEnc returns the base64 fields and type', () => {
    const p = parseEnc(enc)!;
    assert.equal(p.type, 'str');
    assert.equal(Buffer.from(p.tag, 'base64').length, 16);
    assert.equal(Buffer.from(p.data, 'base64').length, 1);
  });
});

describe('cipher: lastmodified formatting', () => {
  it('re-formats to second precision and Z for zero offset', () => {
    assert.equal(rfc3339Seconds('2025-08-06T18:55:05.123456Z'), '2025-08-06T18:55:05Z');
    assert.equal(rfc3339Seconds('2025-08-06T18:55:05+00:00'), '2025-08-06T18:55:05Z');
    assert.equal(rfc3339Seconds('2025-08-06T18:55:05+02:00'), '2025-08-06T18:55:05+02:00');
    assert.equal(rfc3339Seconds('2025-08-06 18:55:05Z'), null);
    assert.equal(rfc3339Seconds('2025-13-06T18:55:05Z'), null);
  });
});

describe('cipher: IvStash', () => {
  it('returns the remembered IV only for the same path, type and bytes', () => {
    const s = new IvStash();
    const iv = new Uint8Array(32).fill(7);
    s.remember('a:', 'str', Buffer.from('x'), iv);
    assert.equal(s.lookup('a:', 'str', Buffer.from('x')), iv);
    assert.equal(s.lookup('b:', 'str', Buffer.from('x')), undefined);
    assert.equal(s.lookup('a:', 'comment', Buffer.from('x')), undefined);
    assert.equal(s.lookup('a:', 'str', Buffer.from('y')), undefined);
    assert.equal(s.size, 1);
  });
});
