// The tree walk on hand-built trees: AAD paths, all six rules and the comment stack, the MAC, and a random round trip.
import { strict as assert } from 'node:assert';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { IvStash, decryptValue, isEncrypted, parseEnc, toBytes } from '../../src/sops/cipher.js';
import { computeMac, decryptBranches, encryptBranches } from '../../src/sops/walk.js';
import type { EncryptionRule } from '../../src/sops/rules.js';
import { Comment, Mapping, SopsTime, type Value } from '../../src/sops/tree.js';
import { SopsError } from '../../src/errors.js';

const KEY = randomBytes(32);
type Entry = [string | Comment, Value];
const m = (...entries: Entry[]) => new Mapping(entries.map(([key, value]) => ({ key, value })));
const cm = (text: string): Entry => [new Comment(text), null];

function clone(v: Value): Value {
  if (v instanceof Mapping) return new Mapping(v.items.map((i) => ({ key: i.key, value: clone(i.value) })));
  if (Array.isArray(v)) return v.map(clone);
  return v;
}

/** Every leaf as [path-ish label, value] in document order, comments as '#text'. */
function leaves(v: Value, out: unknown[] = []): unknown[] {
  if (v instanceof Mapping) {
    for (const it of v.items) {
      if (it.key instanceof Comment) out.push('#' + it.key.text);
      else leaves(it.value, out);
    }
  } else if (Array.isArray(v)) for (const x of v) leaves(x, out);
  else if (v instanceof Comment) out.push('#' + v.text);
  else out.push(v);
  return out;
}

const enc = (v: unknown): boolean => typeof v === 'string' && (isEncrypted(v) || isEncrypted((v as string).slice(1)));
const sha = (...parts: (string | Uint8Array)[]) => {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest('hex').toUpperCase();
};

describe('walk: AAD paths and the default rule', () => {
  const tree = () => [
    m(
      cm(' top'),
      ['a', 's1'],
      ['nested', m(['deep', m(['k', 'v'])], cm(' inner'))],
      ['list', ['x', ['y'], m(['k', 7n]), new Comment(' in list')]],
      ['b_unencrypted', m(['x', 'clear'], ['y', [1.5]])],
      ['n', null],
      ['e', ''],
      ['t', new SopsTime('2024-01-01T00:00:00Z')],
      ['f', true],
      ['odd:key ', 'z'],
    ),
  ];

  it('encrypts with the key path as AAD, list indexes never in it, comments with their container path', () => {
    const b = tree();
    encryptBranches(b, { dataKey: KEY });
    const root = b[0];
    const top = root.items[0].key as Comment;
    assert.equal(decryptValue(top.text, KEY, ':') instanceof Comment, true);
    assert.equal(decryptValue(root.get('a') as string, KEY, 'a:'), 's1');
    const nested = root.get('nested') as Mapping;
    assert.equal(decryptValue((nested.get('deep') as Mapping).get('k') as string, KEY, 'nested:deep:k:'), 'v');
    assert.equal(((decryptValue((nested.items[1].key as Comment).text, KEY, 'nested:')) as Comment).text, ' inner');
    const list = root.get('list') as Value[];
    assert.equal(decryptValue(list[0] as string, KEY, 'list:'), 'x');
    assert.equal(decryptValue((list[1] as string[])[0], KEY, 'list:'), 'y');
    assert.equal(decryptValue((list[2] as Mapping).get('k') as string, KEY, 'list:k:'), 7n);
    assert.equal((decryptValue((list[3] as Comment).text, KEY, 'list:') as Comment).text, ' in list');
    assert.equal(decryptValue(root.get('odd:key ') as string, KEY, 'odd:key :'), 'z');
    assert.equal((decryptValue(root.get('t') as string, KEY, 't:') as SopsTime).text, '2024-01-01T00:00:00Z');
    assert.equal(decryptValue(root.get('f') as string, KEY, 'f:'), true);
  });

  it('leaves _unencrypted subtrees, nulls and empty strings alone', () => {
    const b = tree();
    encryptBranches(b, { dataKey: KEY });
    const u = b[0].get('b_unencrypted') as Mapping;
    assert.equal(u.get('x'), 'clear');
    assert.deepEqual(u.get('y'), [1.5]);
    assert.equal(b[0].get('n'), null);
    assert.equal(b[0].get('e'), '');
  });

  it('MAC = SHA-512 over canonical bytes of every non-null leaf in order, comments excluded', () => {
    const b = tree();
    const mac = encryptBranches(b, { dataKey: KEY });
    const want = sha('s1', 'v', 'x', 'y', '7', 'clear', '1.5', '', '2024-01-01T00:00:00Z', 'True', 'z');
    assert.equal(mac, want);
    assert.equal(computeMac(tree()), want);
    const { mac: back, warnings } = decryptBranches(b, { dataKey: KEY });
    assert.equal(back, want);
    assert.deepEqual(warnings, []);
    assert.deepEqual(leaves(b[0]), leaves(tree()[0]));
  });

  it('hashes every document of a multi-branch tree in order', () => {
    const b = [m(['a', 'one']), m(['a', 'two'])];
    assert.equal(encryptBranches(b, { dataKey: KEY }), sha('one', 'two'));
    assert.equal(decryptValue(b[1].get('a') as string, KEY, 'a:'), 'two');
  });

  it('rule null (binary store) encrypts everything, suffix or not', () => {
    const b = [m(['data_unencrypted', 'x'])];
    encryptBranches(b, { dataKey: KEY, rule: null });
    assert.ok(isEncrypted(b[0].get('data_unencrypted')));
  });

  it('encrypts a Uint8Array leaf as type str with its raw bytes', () => {
    const raw = new Uint8Array([0xff, 0xfe, 0x41]);
    const b = [m(['data', raw])];
    const mac = encryptBranches(b, { dataKey: KEY, rule: null });
    assert.equal(parseEnc(b[0].get('data') as string)!.type, 'str');
    assert.equal(mac, sha(raw));
    decryptBranches(b, { dataKey: KEY, rule: null });
    assert.deepEqual([...(b[0].get('data') as Uint8Array)], [0xff, 0xfe, 0x41]);
  });
});

describe('walk: the six rules', () => {
  function run(rule: EncryptionRule, tree: Mapping): unknown[] {
    const b = [tree];
    encryptBranches(b, { dataKey: KEY, rule });
    const flags = leaves(b[0]).map(enc);
    const { warnings } = decryptBranches(b, { dataKey: KEY, rule });
    assert.deepEqual(warnings, []);
    return flags;
  }

  it('unencrypted_suffix: any path component with the suffix exempts its subtree', () => {
    const t = m(['a', '1'], ['b_pub', m(['c', '2'])], ['d', m(['e_pub', '3'], ['f', '4'])]);
    assert.deepEqual(run({ kind: 'unencrypted_suffix', value: '_pub' }, t), [true, false, false, true]);
  });
  it('encrypted_suffix: only subtrees under a key with the suffix; top-level comments stay clear', () => {
    const t = m(cm(' top'), ['a', '1'], ['s_enc', m(cm(' in'), ['c', '2'])], ['x', m(['y_enc', '3'])]);
    assert.deepEqual(run({ kind: 'encrypted_suffix', value: '_enc' }, t), [false, false, true, true, true]);
  });
  it('unencrypted_regex: unanchored per component', () => {
    const t = m(['public', '1'], ['x', m(['mypublic', '2'])], ['secret', '3']);
    assert.deepEqual(run({ kind: 'unencrypted_regex', value: 'public' }, t), [false, false, true]);
  });
  it('encrypted_regex: the k8s idiom', () => {
    const t = m(['kind', 'Secret'], ['data', m(['pw', 'x'])], ['stringData', m(['tok', 'y'])], ['metadata', m(['name', 'n'])]);
    assert.deepEqual(run({ kind: 'encrypted_regex', value: '^(data|stringData)$' }, t), [false, true, true, false]);
  });
  it('encrypted_regex with a Go (?i) flag', () => {
    const t = m(['PASSWORD', 'x'], ['user', 'y']);
    assert.deepEqual(run({ kind: 'encrypted_regex', value: '(?i)^password$' }, t), [true, false]);
  });
  it('an invalid regex never matches', () => {
    const t = m(['a', 'x']);
    assert.deepEqual(run({ kind: 'encrypted_regex', value: '(' }, t), [false]);
    assert.deepEqual(run({ kind: 'unencrypted_regex', value: '(' }, m(['a', 'x'])), [true]);
  });
  it('unencrypted_comment_regex: a comment above a key exempts it and its subtree, cleared after the item', () => {
    const t = m(cm(' nocrypt'), ['a', m(['b', '1'])], ['c', '2'], cm(' other'), ['d', '3']);
    // leaves: #nocrypt, b, c, #other, d — the marker comment itself matches too, so it stays clear
    assert.deepEqual(run({ kind: 'unencrypted_comment_regex', value: 'nocrypt' }, t), [false, false, true, true, true]);
  });
  it('encrypted_comment_regex: the marker stays clear, the following comments and the next item are encrypted', () => {
    const t = m(['x', '0'], cm(' sops:enc'), cm(' hidden'), ['a', m(['b', '1'], ['c', '2'])], ['d', '3'], ['lst', [new Comment(' sops:enc'), 'q', 'r']]);
    // leaves: x, #sops:enc, #hidden, b, c, d, #sops:enc(list), q, r
    assert.deepEqual(run({ kind: 'encrypted_comment_regex', value: 'sops:enc' }, t), [
      false, false, true, true, true, false, false, true, false,
    ]);
  });
  it('refuses an encrypted comment that matches unencrypted_comment_regex', () => {
    const b = [m(cm(' x'), ['a', '1'])];
    assert.throws(
      () => encryptBranches(b, { dataKey: KEY, rule: { kind: 'unencrypted_comment_regex', value: 'ENC' } }),
      (e: unknown) => e instanceof SopsError && e.code === 23 && /UnencryptedCommentRegex/.test(e.message),
    );
  });
});

describe('walk: mac_only_encrypted', () => {
  it('prefixes SHA-256("sops") and hashes only encrypted leaves', () => {
    const t = () => [m(['a', 'x'], ['b_unencrypted', 'y'], ['c', 5n])];
    const init = createHash('sha256').update('sops').digest();
    const b = t();
    const mac = encryptBranches(b, { dataKey: KEY, macOnlyEncrypted: true });
    assert.equal(mac, sha(init, 'x', '5'));
    assert.notEqual(mac, computeMac(t()));
    assert.equal(computeMac(t(), { macOnlyEncrypted: true }), mac);
    assert.equal(decryptBranches(b, { dataKey: KEY, macOnlyEncrypted: true }).mac, mac);
  });
});

describe('walk: failures', () => {
  it('a non-string key fails (23 on encrypt, 25 on decrypt)', () => {
    const bad = () => [new Mapping([{ key: 5 as unknown as string, value: 'x' }])];
    assert.throws(() => encryptBranches(bad(), { dataKey: KEY }), (e: unknown) => e instanceof SopsError && e.code === 23 && /non-string key/.test(e.message));
    assert.throws(() => decryptBranches(bad(), { dataKey: KEY }), (e: unknown) => e instanceof SopsError && e.code === 25 && /non-string key/.test(e.message));
  });
  it('a clear string where a value must be encrypted is fatal, without quoting it', () => {
    assert.throws(
      () => decryptBranches([m(['a', 'topsecret'])], { dataKey: KEY }),
      (e: unknown) => e instanceof SopsError && e.code === 25 && /at a:/.test(e.message) && !e.message.includes('topsecret'),
    );
  });
  it('a non-string where a value must be encrypted is fatal', () => {
    assert.throws(() => decryptBranches([m(['a', 5n])], { dataKey: KEY }), (e: unknown) => e instanceof SopsError && e.code === 25 && /expected an encrypted value/.test(e.message));
  });
  it('a value encrypted under another path fails authentication', () => {
    const b = [m(['a', 'x'], ['b', 'y'])];
    encryptBranches(b, { dataKey: KEY });
    const [ia, ib] = b[0].items;
    [ia.value, ib.value] = [ib.value, ia.value];
    assert.throws(() => decryptBranches(b, { dataKey: KEY }), (e: unknown) => e instanceof SopsError && e.code === 25 && /authentication failed/.test(e.message));
  });
  it('a clear comment is kept as-is with a warning that does not quote it', () => {
    const b = [m(cm(' left in clear'), ['a', 'x'])];
    const enc = [m(['a', 'x'])];
    encryptBranches(enc, { dataKey: KEY });
    b[0].items[1].value = enc[0].get('a')!;
    const { warnings } = decryptBranches(b, { dataKey: KEY });
    assert.equal((b[0].items[0].key as Comment).text, ' left in clear');
    assert.equal(b[0].get('a'), 'x');
    assert.equal(warnings.length, 1);
    assert.ok(!warnings[0].includes('left in clear'));
  });
});

describe('walk: comment layout', () => {
  it('keeps the inline flag of a comment through encryption and decryption', () => {
    const b = [new Mapping([{ key: new Comment(' line', true), value: null }, { key: 'a', value: 'x' }])];
    encryptBranches(b, { dataKey: KEY });
    assert.equal((b[0].items[0].key as Comment).inline, true);
    assert.ok(isEncrypted((b[0].items[0].key as Comment).text));
    decryptBranches(b, { dataKey: KEY });
    assert.deepEqual(b[0].items[0].key, new Comment(' line', true));
  });
});

describe('walk: IV stash keeps unchanged values identical', () => {
  it('re-encrypts unchanged values to the same ENC strings, changed ones freshly', () => {
    const b = [m(['a', 'x'], ['b', 'y'], cm(' c'))];
    encryptBranches(b, { dataKey: KEY });
    const before = leaves(b[0]);
    const stash = new IvStash();
    decryptBranches(b, { dataKey: KEY, stash });
    b[0].set('b', 'changed');
    encryptBranches(b, { dataKey: KEY, stash });
    const after = leaves(b[0]);
    assert.equal(after[0], before[0]);
    assert.notEqual(after[1], before[1]);
    assert.equal(after[2], before[2]);
  });
});

describe('walk: random trees round-trip', () => {
  const key = fc.string({ maxLength: 6 }).filter((k) => k !== 'sops');
  const scalar = fc.oneof(
    fc.string({ maxLength: 12 }),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    fc.double({ noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.string({ maxLength: 8 }).map((s) => new Comment(s)),
  );
  const tree = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, tie('map'), fc.array(tie('value'), { maxLength: 4 })),
    map: fc
      .array(fc.oneof(fc.tuple(key, tie('value')), fc.string({ maxLength: 8 }).map((s) => [new Comment(s), null] as const)), { maxLength: 5 })
      .map((entries) =>
        new Mapping(
          (entries as [string | Comment, Value][]).map(([k, v]) => ({ key: k, value: v instanceof Comment && !(k instanceof Comment) ? v : v })),
        ),
      ),
  }));
  const rules: (EncryptionRule | null | undefined)[] = [
    undefined,
    null,
    { kind: 'encrypted_regex', value: 'a' },
    { kind: 'encrypted_comment_regex', value: 'x' },
    { kind: 'unencrypted_comment_regex', value: '^y' },
  ];

  it('encrypt then decrypt is the identity and both MACs agree', () => {
    fc.assert(
      fc.property(fc.array(tree.map as fc.Arbitrary<Mapping>, { minLength: 1, maxLength: 2 }), fc.constantFrom(...rules), fc.boolean(), (branches, rule, macOnly) => {
        const original = branches.map((b) => clone(b) as Mapping);
        let mac: string;
        try {
          mac = encryptBranches(branches, { dataKey: KEY, rule, macOnlyEncrypted: macOnly });
        } catch (e) {
          // a random comment's ciphertext may match the unencrypted_comment_regex: sops refuses that too
          if (e instanceof SopsError && /UnencryptedCommentRegex/.test(e.message)) return;
          throw e;
        }
        assert.equal(mac, computeMac(original, { rule, macOnlyEncrypted: macOnly }));
        const res = decryptBranches(branches, { dataKey: KEY, rule, macOnlyEncrypted: macOnly });
        assert.equal(res.mac, mac);
        assert.deepEqual(res.warnings, []);
        assert.deepEqual(branches.map((b) => leaves(b).map((x) => (typeof x === 'number' && Object.is(x, -0) ? '-0' : x))), original.map((b) => leaves(b).map((x) => (typeof x === 'number' && Object.is(x, -0) ? '-0' : x))));
      }),
      { numRuns: 300 },
    );
  });

  it('toBytes is what gets hashed (sanity of the helper)', () => {
    assert.equal(Buffer.from(toBytes(1e21)).toString(), '1000000000000000000000');
  });
});
