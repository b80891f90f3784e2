// The YAML line scanner against the full loader: wherever the scanner accepts a text, both must build the same
// tree (comments and their placement included); wherever the full loader fails, the scanner must decline.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { scanYaml } from '../../src/sops/stores/yaml-fast.js';
import { loadYamlNodes, yamlText } from '../../src/sops/stores/yaml-load.js';
import { Comment } from '../../src/sops/tree.js';
import { commentedMappings, lineEdited, writtenYaml } from '../helpers/yaml-arbitraries.js';
import { VECTORS } from '../helpers/paths.js';

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml(\.dec)?$/.test(name) || /\.yaml\./.test(name)) out.push(p);
  }
  return out;
}

/** Returns whether the scanner accepted `text`; fails when it accepts and disagrees with the full loader. */
function agree(text: string, label: string): boolean {
  let slow: unknown;
  let slowErr: unknown;
  try {
    slow = loadYamlNodes(text);
  } catch (e) {
    slowErr = e;
  }
  const fast = scanYaml(text);
  if (fast === null) return false;
  assert.equal(slowErr, undefined, `${label}: the scanner accepted a text the full loader refuses`);
  assert.deepStrictEqual(fast, slow, `${label}: trees differ`);
  return true;
}

const FILES = yamlFiles(VECTORS);

/** Strings over characters that matter to YAML's plain scalars, so most trees stay within the scanner's layout. */
function tame(minLength: number): fc.Arbitrary<string> {
  const unit = fc.constantFrom('a', 'b', 'Z', '1', '0', '.', ' ', ':', '#', '-', "'", '"', '[', ']', '{', '}', 'é');
  return fc.string({ unit, minLength, maxLength: 10 });
}

describe('YAML line scanner', () => {
  it('finds the YAML vectors', () => assert.ok(FILES.length >= 20, `${FILES.length} files`));

  it('builds the same tree as the full loader on every YAML vector it accepts', () => {
    let accepted = 0;
    for (const f of FILES) if (agree(yamlText(readFileSync(f)), f)) accepted++;
    // sops-written files (age and PGP entries with literal blocks, comments) must take the fast path.
    assert.ok(accepted >= 15, `only ${accepted} of ${FILES.length} accepted`);
  });

  it('takes the fast path for sops-written files', () => {
    const f = FILES.find((p) => p.endsWith('helm-secrets/tests/assets/values/sops/secrets.age.yaml'));
    assert.ok(f);
    assert.notEqual(scanYaml(yamlText(readFileSync(f))), null);
  });

  it('declines comments above an empty sequence item (yaml.v3 hangs them on the next node, maybe outside the list)', () => {
    const texts = [
      'creation_rules:\n    # encrypted using x\n    -\npgp: "D6"\n',
      'a:\n  - x\n  # c\n  -\nc: 1\n',
      '- x\n# c\n-\n- y\n',
    ];
    for (const t of texts) {
      assert.equal(scanYaml(t), null, JSON.stringify(t));
      assert.equal(agree(t, JSON.stringify(t)), false);
    }
    // The same lists with a value in the item keep the fast path: the comment is that item's.
    assert.notEqual(scanYaml('a:\n  # c\n  - y\nb: 1\n'), null);
    assert.equal(agree('a:\n  # c\n  - y\nb: 1\n', 'item with a value'), true);
  });

  it('agrees on line-level mutations of the vectors (or declines)', () => {
    const texts = FILES.map((f) => yamlText(readFileSync(f))).filter((t) => t.length < 20000);
    fc.assert(
      fc.property(lineEdited(texts, [' ', '  ', '- ', '#', ': ', '"', "'", '|', '-', 'x', '\n', '']), ({ index, text }) => {
        agree(text, `mutation of vector ${index}`);
      }),
      { numRuns: 1500 },
    );
  });

  it('agrees on random trees with comments, written at indent 2 and 4', () => {
    const str = fc.oneof(
      fc.constantFrom('yes', '1.0', '0x10', '2024-01-01', '~', '', 'a: b', ' lead', 'trail ', 'x\ny', 'x\n', 'x\n\n', '\nx', '#c', '- x', "it's", 'é ü', 'a #b', 'ENC[AES256_GCM,data:YQ==,iv:YQ==,tag:YQ==,type:str]'),
      fc.string({ maxLength: 12 }),
      tame(0),
    );
    const key = fc.oneof(fc.constantFrom('a:b', 'with space', 'k', '- k', '"q"', '1', 'true', 'x#y'), fc.string({ minLength: 1, maxLength: 8 }), tame(1), tame(1));
    const comment = fc.tuple(fc.constantFrom('', ' c', 'c: d', ' - x', '#'), fc.boolean()).map(([t, inline]) => new Comment(t, inline));
    const leaf = fc.oneof(str, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.boolean(), fc.constant(null), fc.double({ noNaN: true }));
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(commentedMappings(key, leaf, comment), fc.constantFrom(2, 4), (m, indent) => {
        runs++;
        const text = writtenYaml(m, indent);
        if (text === undefined) return;
        if (agree(text, 'random tree')) accepted++;
      }),
      { numRuns: 1000 },
    );
    // Trees with comments go to the full loader (it alone places comments); the rest must take the fast path.
    assert.ok(accepted > runs / 40, `the scanner took only ${accepted} of ${runs} trees`);
  });
});
