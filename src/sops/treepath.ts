// Tree paths as sops spells them for --extract, set and unset: ["key"][0]["other"].
// Parsing is strict: anything that is not a sequence of quoted keys and integer indexes is refused (exit 91).
import { ExitCode, SopsError } from '../errors.js';
import { Mapping, type Value } from './tree.js';

export type PathStep = string | number;

export function parseTreePath(path: string): PathStep[] {
  const steps: PathStep[] = [];
  const re = /\[(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(-?\d+))\]/y;
  let pos = 0;
  const s = path.trim();
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) throw new SopsError(`invalid tree path ${JSON.stringify(path)}: expected ["key"] or [index] at offset ${pos}`, ExitCode.InvalidTreePathFormat);
    if (m[3] !== undefined) steps.push(Number(m[3]));
    else steps.push((m[1] ?? m[2]).replace(/\\(.)/g, '$1'));
    pos = re.lastIndex;
  }
  if (steps.length === 0) throw new SopsError(`invalid tree path ${JSON.stringify(path)}: it is empty`, ExitCode.InvalidTreePathFormat);
  return steps;
}

/** Looks up a path in a branch; throws exit 91 naming the first step that is missing. */
export function getPath(branch: Mapping, steps: PathStep[]): Value {
  let cur: Value = branch;
  steps.forEach((step, i) => {
    const where = formatPath(steps.slice(0, i + 1));
    if (typeof step === 'string') {
      if (!(cur instanceof Mapping) || !cur.has(step)) throw new SopsError(`component ${where} not found`, ExitCode.InvalidTreePathFormat);
      cur = cur.get(step) as Value;
    } else {
      if (!Array.isArray(cur)) throw new SopsError(`component ${where} not found: not a list`, ExitCode.InvalidTreePathFormat);
      const idx = step < 0 ? cur.length + step : step;
      if (idx < 0 || idx >= cur.length) throw new SopsError(`component ${where} not found: index out of range`, ExitCode.InvalidTreePathFormat);
      cur = cur[idx];
    }
  });
  return cur;
}

export function formatPath(steps: PathStep[]): string {
  return steps.map((s) => (typeof s === 'number' ? `[${s}]` : `[${JSON.stringify(s)}]`)).join('');
}
