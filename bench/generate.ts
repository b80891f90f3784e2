// Seeded values-file generator for the bench: the same seed and size always give the same bytes, so runs
// on different days and machines measure the same input. Output imitates a large Helm values file.

/** mulberry32: tiny, fast, deterministic; statistical quality is irrelevant here, repeatability is not. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'image', 'tag', 'port', 'host', 'user', 'token', 'secret', 'replicas', 'region', 'bucket', 'queue', 'topic',
  'url', 'path', 'name', 'mode', 'level', 'limit', 'timeout', 'enabled', 'key', 'cert', 'pool', 'db',
];
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export type Leaf = string | number | boolean;
export interface Tree {
  [key: string]: Leaf | Leaf[] | Tree;
}

export interface Generated {
  /** The values as plain objects (insertion order is the file order). */
  tree: Tree;
  /** The plaintext YAML, in sops's layout (4-space indent, sequences indented under their key). */
  yaml: string;
  /** The same values as JSON (tab indent, as sops writes JSON). */
  json: string;
  /** Scalar leaves, list items included; comments are not leaves. */
  leaves: number;
  /** Comment lines in the YAML (sops encrypts them too). */
  comments: number;
}

/**
 * About `leaves` leaves (exactly that many) in sections of groups of ~10: strings (70%), ints, bools and
 * short lists. With `comments`, each section starts with a comment line.
 */
export function generateValues(leaves: number, seed = 1, opts: { comments?: boolean } = {}): Generated {
  const r = rng(seed);
  const int = (n: number) => Math.floor(r() * n);
  const str = (min: number, max: number) => {
    let s = ALNUM[int(26)]; // a letter first: never read as a number, bool or null
    const len = min + int(max - min + 1);
    for (let i = 1; i < len; i++) s += ALNUM[int(ALNUM.length)];
    return s;
  };
  const scalar = (): Leaf => {
    const p = r();
    if (p < 0.7) return str(3, 10);
    if (p < 0.9) return int(100000);
    return r() < 0.5;
  };
  const tree: Tree = {};
  const sectionComments: string[] = [];
  let left = leaves;
  let section = 0;
  while (left > 0) {
    const sec: Tree = {};
    const name = `${WORDS[int(WORDS.length)]}${section}`;
    tree[name] = sec;
    sectionComments.push(`# ${name}: ${str(8, 30)}`);
    section++;
    for (let g = 0; g < 100 && left > 0; g++) {
      const group: Tree = {};
      sec[`${WORDS[int(WORDS.length)]}${g}`] = group;
      const n = Math.min(left, 6 + int(8));
      for (let i = 0; i < n; ) {
        const k = `${WORDS[int(WORDS.length)]}${i}`;
        if (n - i >= 3 && r() < 0.1) {
          group[k] = [str(3, 8), str(3, 8), str(3, 8)];
          i += 3;
        } else {
          group[k] = scalar();
          i += 1;
        }
      }
      left -= n;
    }
  }
  const lines: string[] = [];
  const emit = (t: Tree, pad: string) => {
    for (const [k, v] of Object.entries(t)) {
      if (Array.isArray(v)) {
        lines.push(`${pad}${k}:`);
        for (const item of v) lines.push(`${pad}    - ${String(item)}`);
      } else if (typeof v === 'object') {
        lines.push(`${pad}${k}:`);
        emit(v, pad + '    ');
      } else {
        lines.push(`${pad}${k}: ${String(v)}`);
      }
    }
  };
  let s = 0;
  for (const [k, v] of Object.entries(tree)) {
    if (opts.comments) lines.push(sectionComments[s]);
    s++;
    emit({ [k]: v }, '');
  }
  return {
    tree,
    yaml: lines.join('\n') + '\n',
    json: JSON.stringify(tree, null, '\t') + '\n',
    leaves,
    comments: opts.comments ? section : 0,
  };
}
