// Encrypt then decrypt through the engine for all five stores and every value type, with literal files and
// random trees (fast-check): the plaintext that comes back is byte-identical, comments included.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { getStore } from '../../src/sops/stores/index.js';
import { Mapping, type Value } from '../../src/sops/tree.js';
import type { StoreName } from '../../src/sops/store.js';
import { testEnv } from '../helpers/env.js';

const AGE = 'age1je6kjhzuhdjy3fqptpttxjh5k8q46vygzlgtpuq3030c947pc5tqz9dqvr';
const ext: Record<StoreName, string> = { yaml: 'yaml', json: 'json', dotenv: 'env', ini: 'ini', binary: 'bin' };

async function roundTrip(name: StoreName, plain: Uint8Array, opts: { rule?: string } = {}): Promise<{ enc: string; dec: Buffer }> {
  const env = testEnv();
  const path = `/nonexistent-dir/file.${ext[name]}`;
  const flags: Record<string, unknown> = { keys: { age: [AGE] } };
  if (opts.rule) flags.rule = { kind: 'encrypted_regex', value: opts.rule };
  const enc = await encryptBytes(plain, path, { env, cwd: '/', flags });
  const dec = await decryptBytes(enc, path, { env, cwd: '/' });
  return { enc: Buffer.from(enc).toString('utf8'), dec: Buffer.from(dec) };
}

const LITERALS: Record<StoreName, string[]> = {
  yaml: [
    [
      '# top comment',
      'str: hello world',
      'int: 42',
      'big: 9223372036854775807',
      'neg: -17',
      'float: 3.14',
      'exp: 1.0e+21',
      'bool: true',
      'off: false',
      'time: 2024-01-01T10:20:30.5+02:00',
      'date: 2024-01-01',
      'null_value: null',
      'empty: ""',
      'quoted: "1.0"',
      'multi: |',
      '    line one',
      '    line two',
      'nested:',
      '    # inner comment',
      '    deeper:',
      '        key: value',
      '    list:',
      '        - a',
      '        - 2',
      '        - k: v',
      '          other: w',
      'plain_unencrypted: stays',
      'empty_map: {}',
      'empty_list: []',
      '',
    ].join('\n'),
    ['a: 1', '---', 'b: 2', ''].join('\n'),
  ],
  json: [
    '{\n\t"str": "hello \\u003cworld\\u003e",\n\t"int": 42,\n\t"big": 9223372036854775807,\n\t"float": 3.14,\n\t"bool": true,\n\t"null": null,\n\t"list": [\n\t\t1,\n\t\t"two",\n\t\t{\n\t\t\t"k": false\n\t\t}\n\t],\n\t"empty": {},\n\t"none": []\n}\n',
  ],
  dotenv: ['# comment\nFOO=bar\nSPACED =  value with spaces \nMULTI=line1\\nline2\nEMPTY=\n'],
  ini: ['[section]\nkey = value\nother = 25.4\n\n[second one]\n; a comment\nname = x\n'],
  binary: ['\u0000\u0001binary\xff data\nwith lines\n'],
};

describe('encrypt then decrypt is lossless for every store and value type', function () {
  for (const name of Object.keys(LITERALS) as StoreName[]) {
    LITERALS[name].forEach((text, i) => {
      it(`${name} literal #${i + 1}`, async function () {
        const store = await getStore(name);
        const input = name === 'binary' ? Buffer.from(text, 'latin1') : Buffer.from(text, 'utf8');
        const canonical = Buffer.from(store.emitPlain(store.loadPlain(input)));
        const { enc, dec } = await roundTrip(name, canonical);
        assert.ok(enc.includes('ENC[AES256_GCM,'), 'values are encrypted');
        if (name !== 'binary') assert.ok(!enc.includes('hello'), 'plaintext is not in the encrypted file');
        assert.deepEqual(dec, canonical);
      });
    });
  }

  it('the encrypted_regex rule leaves other values in clear and still round-trips', async function () {
    const store = await getStore('yaml');
    const input = Buffer.from(store.emitPlain(store.loadPlain(Buffer.from('data:\n    password: s3cret\nname: visible\n'))));
    const { enc, dec } = await roundTrip('yaml', input, { rule: '^data$' });
    assert.match(enc, /name: visible/);
    assert.doesNotMatch(enc, /s3cret/);
    assert.match(enc, /encrypted_regex: \^data\$/);
    assert.deepEqual(dec, input);
  });
});

// Random trees: keys and strings drawn to hit the resolver's traps ("yes", "1.0", "0x10", dates, "~", spaces, ':').
const trickyString = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom('yes', 'no', 'on', '1.0', '0x10', '017', '1_000', '2024-01-01', '~', 'null', 'True', ' lead', 'trail ', 'a: b', '- x', '#c', 'multi\nline', 'ünïcödé', '"q"', "'s'"),
);
const key = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/), fc.constantFrom('with space', 'colon:key', 'dash-key'));
const scalar: fc.Arbitrary<Value> = fc.oneof(
  trickyString,
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
  fc.boolean(),
  fc.constant(null),
);
const { tree } = fc.letrec((tie) => ({
  tree: fc.uniqueArray(fc.tuple(key, tie('value')), { selector: (t) => t[0], maxLength: 5 }).map(
    (entries) => new Mapping(entries.map(([k, v]) => ({ key: k, value: v as Value }))),
  ),
  value: fc.oneof({ depthSize: 'small' }, scalar, scalar, tie('tree'), fc.array(tie('value'), { maxLength: 3 })),
}));

describe('property: random trees survive encrypt then decrypt', function () {
  it('yaml', async function () {
    const store = await getStore('yaml');
    await fc.assert(
      fc.asyncProperty(tree, async (t) => {
        const plain = Buffer.from(store.emitPlain([t]));
        const { dec } = await roundTrip('yaml', plain);
        assert.deepEqual(dec.toString(), plain.toString());
      }),
      { numRuns: 40 },
    );
  });

  it('json', async function () {
    const store = await getStore('json');
    const jsonTree = tree.filter((t) => !JSON.stringify(t, (_k, v) => (typeof v === 'bigint' ? 0 : v)).includes('Comment'));
    await fc.assert(
      fc.asyncProperty(jsonTree, async (t) => {
        const plain = Buffer.from(store.emitPlain([t]));
        const { dec } = await roundTrip('json', plain);
        assert.deepEqual(dec.toString(), plain.toString());
      }),
      { numRuns: 40 },
    );
  });

  it('dotenv', async function () {
    const store = await getStore('dotenv');
    const envKey = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,10}$/).filter((k) => !k.startsWith('SOPS_'));
    const envVal = fc.string({ maxLength: 20 }).filter((s) => !s.includes('\r') && !s.includes('\\n'));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(envKey, envVal), { selector: (t) => t[0], minLength: 1, maxLength: 6 }), async (pairs) => {
        const plain = Buffer.from(store.emitPlain([new Mapping(pairs.map(([k, v]) => ({ key: k, value: v })))]));
        const { dec } = await roundTrip('dotenv', plain);
        assert.deepEqual(dec.toString(), plain.toString());
      }),
      { numRuns: 30 },
    );
  });

  it('ini', async function () {
    const store = await getStore('ini');
    const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
    const val = fc.stringMatching(/^[A-Za-z0-9 .:_-]{0,15}$/).map((s) => s.trim());
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.tuple(word, fc.uniqueArray(fc.tuple(word, val), { selector: (t) => t[0], minLength: 1, maxLength: 4 })), { selector: (t) => t[0], minLength: 1, maxLength: 3 }), async (sections) => {
        const t = new Mapping(sections.map(([s, kv]) => ({ key: s, value: new Mapping(kv.map(([k, v]) => ({ key: k, value: v }))) })));
        const plain = Buffer.from(store.emitPlain([t]));
        const { dec } = await roundTrip('ini', plain);
        assert.deepEqual(dec.toString(), plain.toString());
      }),
      { numRuns: 30 },
    );
  });

  it('binary', async function () {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
        const { dec } = await roundTrip('binary', bytes);
        assert.deepEqual(new Uint8Array(dec), bytes);
      }),
      { numRuns: 30 },
    );
  });
});

