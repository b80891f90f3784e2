// .sops.yaml read by the YAML store's line scanner (src/config/yamlvalue.ts parseYaml) must mean exactly what the
// full go-yaml v3 reader makes of it (parseYamlNodes): the same values, typed scalars with the same text, or, where
// the scanner declines, the full reader's own result or error. Differential, on the vectors' configs, typical ones,
// line-level mutations of both and random trees.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseYaml, parseYamlNodes } from '../../src/config/yamlvalue.js';
import { scanPlainTexts } from '../../src/sops/stores/yaml-fast.js';
import { Comment } from '../../src/sops/tree.js';
import { commentedMappings, lineEdited, writtenYaml } from '../helpers/yaml-arbitraries.js';
import { HS_VECTORS, SOPS_VECTORS } from '../helpers/paths.js';

/** The outcome of one reader: its value, or its error's class and message. */
function outcome(read: (t: string) => unknown, text: string): unknown {
  try {
    return { value: read(text) };
  } catch (e) {
    return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` };
  }
}

/** Asserts both readers agree on `text`; returns whether the scanner read it. */
function agree(text: string, label: string): boolean {
  assert.deepStrictEqual(outcome(parseYaml, text), outcome(parseYamlNodes, text), `${label}: ${JSON.stringify(text)}`);
  return scanPlainTexts(text) !== null;
}

const VECTOR_CONFIGS = [
  join(SOPS_VECTORS, 'functional-tests', '.sops.yaml'),
  join(SOPS_VECTORS, 'external', 'humphd-sops-age', '.sops.yaml'),
  join(HS_VECTORS, 'tests', 'assets', 'values', 'sops', '.sops.yaml'),
].map((f) => readFileSync(f, 'utf8'));

const TYPICAL = [
  'creation_rules:\n  - path_regex: \\.secrets\\.yaml$\n    age: age1qpartmpey66wvxwua5pvtr5kf893ypeqztqhtpv9zl9kn4llycjq8j3txr\nstores:\n  yaml:\n    indent: 2\n',
  '# comment\ncreation_rules:\n  # rule one\n  - path_regex: 123\n    encrypted_regex: ^(data|stringData)$\n    pgp: |-\n      A,\n      B\n    mac_only_encrypted: yes\n    shamir_threshold: 0x2\n',
  'stores:\n  yaml:\n    indent: 1_0\n  json:\n    indent: "4"\n  json_binary:\n    indent: -1\n',
  'creation_rules:\n  - key_groups:\n      - age:\n          - age1a\n          - age1b\n        pgp: []\n      - hc_vault:\n          - https://v/x\n    unencrypted_suffix: _plain\n    mac_only_encrypted: True\n    path_regex: 2024-01-01\n',
  'creation_rules:\n  - path_regex: ""\n    kms: \'arn:aws:kms:us-east-1:0:key/x\'\n    aws_profile: ~\n    encrypted_comment_regex: |\n      sops:enc\n',
  'destination_rules:\n  - s3_bucket: b\n    path_regex: .*\n    recreation_rule:\n      pgp: F\n',
  'creation_rules: []\n',
  'stores: {}\n',
  'a: 1\na: 2\n',
  'base: &b\n  age: x\ncreation_rules:\n  - <<: *b\n',
  'creation_rules:\n  - path_regex: x\n    <<:\n      age: y\n',
  '---\ncreation_rules: []\n---\nx: 1\n',
  '',
  '# only a comment\n',
  '- a\n- b\n',
  'stores:\n  yaml:\n    indent: 99999999999999999999\n',
  'creation_rules:\n  - path_regex: !!str 12\n',
  'creation_rules:\n\t- x\n',
  'creation_rules:\n  - pgp: >-\n      A,\n      B\n',
];

describe('.sops.yaml through the line scanner', () => {
  it('reads the vectors and typical configs as the full reader does, most through the scanner', () => {
    let scanned = 0;
    const all = [...VECTOR_CONFIGS, ...TYPICAL];
    all.forEach((t, i) => {
      if (agree(t, `config ${i}`)) scanned++;
    });
    // The vectors and the plain typical ones take the fast path; anchors, merges, tags, duplicates do not.
    for (const t of [...VECTOR_CONFIGS, TYPICAL[0]!, TYPICAL[1]!, TYPICAL[2]!, TYPICAL[3]!]) assert.notEqual(scanPlainTexts(t), null, t);
    for (const t of [TYPICAL[8]!, TYPICAL[9]!, TYPICAL[10]!, TYPICAL[16]!, TYPICAL[18]!]) assert.equal(scanPlainTexts(t), null, t);
    assert.ok(scanned >= 9, `only ${scanned} of ${all.length} scanned`);
  });

  it('keeps the text of typed plain scalars, which a string field takes as written', () => {
    const v = parseYaml('creation_rules:\n  - path_regex: 0x10\n    shamir_threshold: 1_0\n    mac_only_encrypted: True\n') as {
      creation_rules: { path_regex: { source: string }; shamir_threshold: { source: string; value: unknown }; mac_only_encrypted: { value: unknown } }[];
    };
    const rule = v.creation_rules[0]!;
    assert.equal(rule.path_regex.source, '0x10');
    assert.equal(rule.shamir_threshold.source, '1_0');
    assert.equal(rule.shamir_threshold.value, 10n);
    assert.equal(rule.mac_only_encrypted.value, true);
  });

  it('agrees on line-level mutations of those configs', () => {
    const texts = [...VECTOR_CONFIGS, ...TYPICAL.slice(0, 6)];
    fc.assert(
      fc.property(lineEdited(texts, [' ', '  ', '- ', '#', ': ', '"', "'", '|', '-', 'x', '1', '&a ', '*a', '<<', '{', '\n', '']), ({ index, text }) => {
        agree(text, `mutation of config ${index}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees on random trees of config-like keys and values', () => {
    const key = fc.constantFrom('creation_rules', 'stores', 'yaml', 'indent', 'path_regex', 'age', 'pgp', 'key_groups', 'shamir_threshold', 'mac_only_encrypted', 'x y', '1', 'true', '"q"');
    const leaf = fc.oneof(
      fc.constantFrom('yes', 'No', 'True', '1.0', '0x10', '0o17', '1_000', '-2', '.5', '2024-01-01', '2001-12-14t21:59:43.10-05:00', '~', 'null', '', "it's", 'a #b', '\\.yaml$', 'x\ny'),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.boolean(),
      fc.constant(null),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.string({ maxLength: 8 }),
    );
    const comment = fc.constantFrom(new Comment(' c'), new Comment('x: y', true));
    let scanned = 0;
    let runs = 0;
    fc.assert(
      fc.property(commentedMappings(key, leaf, comment), fc.constantFrom(2, 4), (m, indent) => {
        const text = writtenYaml(m, indent);
        if (text === undefined) return;
        runs++;
        if (agree(text, 'random tree')) scanned++;
      }),
      { numRuns: 800 },
    );
    assert.ok(scanned > runs / 10, `the scanner read only ${scanned} of ${runs} configs`);
  });
});
