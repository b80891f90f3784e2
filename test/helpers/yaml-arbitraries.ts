// Random YAML inputs shared by the line scanner's differential tests (the YAML store's and .sops.yaml's): texts
// edited at random places, and mapping trees with comments that the YAML store writes out.
import fc from 'fast-check';
import { YamlStore } from '../../src/sops/stores/yaml.js';
import { Comment, Mapping, type Value } from '../../src/sops/tree.js';

/** One of `texts` after one to three edits at random places: one of `inserts` put in, up to two characters taken out. */
export function lineEdited(texts: readonly string[], inserts: readonly string[]): fc.Arbitrary<{ index: number; text: string }> {
  const edit = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...inserts), fc.boolean());
  return fc.tuple(fc.nat(texts.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 })).map(([index, edits]) => {
    let text = texts[index];
    for (const [at, len, ins, del] of edits) {
      const p = at % (text.length + 1);
      text = text.slice(0, p) + ins + text.slice(del ? p + (len % 3) : p);
    }
    return { index, text };
  });
}

/** Mappings of `key`s to `leaf`s, mappings and lists (nested, small), with `comment` lines and items among them. */
export function commentedMappings(key: fc.Arbitrary<string>, leaf: fc.Arbitrary<Value>, comment: fc.Arbitrary<Comment>): fc.Arbitrary<Mapping> {
  const tree = fc.letrec((tie) => ({
    node: fc.oneof({ depthSize: 'small' }, leaf, tie('map'), fc.array(fc.oneof(tie('node'), comment), { maxLength: 3 })),
    map: fc
      .uniqueArray(fc.tuple(key, tie('node')), { selector: (t) => t[0], maxLength: 4 })
      .chain((es) =>
        fc.array(fc.tuple(fc.nat(), comment), { maxLength: 2 }).map((cs) => {
          const items: Mapping['items'] = es.map(([k, v]) => ({ key: k, value: v as Value }));
          for (const [at, c] of cs) items.splice(at % (items.length + 1), 0, { key: c, value: null });
          return new Mapping(items);
        }),
      ),
  }));
  return tree.map as fc.Arbitrary<Mapping>;
}

/** `m` as the YAML store writes it at `indent`, or undefined when the store refuses the tree. */
export function writtenYaml(m: Mapping, indent: number): string | undefined {
  try {
    return new TextDecoder().decode(new YamlStore({ indent }).emitPlain([m]));
  } catch {
    return undefined;
  }
}
