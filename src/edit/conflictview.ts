// The decrypted conflict view the merge driver writes to a private file: one block per conflicting value,
// in git's diff3 marker style, values as JSON so they can be pasted into `helm secrets set`.
import { Comment, Mapping, SopsTime, type Value } from '../sops/tree.js';
import { formatPath } from '../sops/treepath.js';
import type { Conflict } from './merge.js';

function toJson(v: Value): unknown {
  if (v instanceof Mapping) {
    const o: Record<string, unknown> = {};
    for (const it of v.items) if (typeof it.key === 'string') o[it.key] = toJson(it.value);
    return o;
  }
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Comment) return `#${v.text}`;
  if (v instanceof SopsTime) return v.text;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
  return v;
}

/** JSON text of a value; bigints stay exact, absent values are named. */
export function renderValue(v: Value | undefined): string {
  if (v === undefined) return '(absent)';
  const placeholder = new Map<string, string>();
  const text = JSON.stringify(
    toJson(v),
    (_k, x: unknown) => {
      if (typeof x === 'bigint') {
        const tag = `@@bigint${placeholder.size}@@`;
        placeholder.set(tag, x.toString());
        return tag;
      }
      return x;
    },
    2,
  );
  return text.replace(/"@@bigint\d+@@"/g, (m) => placeholder.get(m.slice(1, -1)) ?? m);
}

export function describeConflict(c: Conflict): string {
  const path = c.path.length ? formatPath(c.path) : '(whole document)';
  const doc = c.doc > 0 ? `document ${c.doc + 1} ` : '';
  return c.what === 'comments' ? `${doc}${path} (comment lines)` : `${doc}${path}`;
}

export interface ViewLabels {
  file: string;
  ours: string;
  theirs: string;
}

export function renderConflictView(conflicts: Conflict[], labels: ViewLabels): string {
  const lines = [
    `# helm-secrets: merge conflicts in ${labels.file} (DECRYPTED: delete this file when done)`,
    `# ${labels.file} in the working tree is a valid encrypted file holding the merge, with OUR value at each conflict.`,
    `# Resolve each conflict with: helm secrets set ${labels.file} PATH 'JSON-VALUE'  (or helm secrets edit ${labels.file}),`,
    `# then: git add ${labels.file}`,
    '',
  ];
  for (const c of conflicts) {
    lines.push(`# ${describeConflict(c)}`);
    lines.push(`<<<<<<< ${labels.ours}`, renderValue(c.ours));
    lines.push('||||||| base', renderValue(c.base));
    lines.push('=======', renderValue(c.theirs), `>>>>>>> ${labels.theirs}`, '');
  }
  return lines.join('\n');
}
