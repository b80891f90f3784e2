// Structural operations on decrypted trees that set, unset, edit and merge share: equality that respects
// SOPS types (int 1 is not float 1), and sops's set/unset semantics on a path of keys and indexes.
import { ExitCode, SopsError } from '../errors.js';
import { Comment, Mapping, SopsTime, type Branches, type Item, type Value } from '../sops/tree.js';
import { formatPath, type PathStep } from '../sops/treepath.js';

/** Deep equality of tree values: same shape, same order, same scalar types and values, same comments. */
export function valueEquals(a: Value | undefined, b: Value | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== typeof b) return false;
  if (typeof a === 'number') return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  if (typeof a !== 'object') return false; // string, bigint, boolean already compared with ===
  if (a instanceof Mapping) {
    if (!(b instanceof Mapping) || a.items.length !== b.items.length) return false;
    return a.items.every((it, i) => keyEquals(it.key, b.items[i].key) && valueEquals(it.value, b.items[i].value));
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => valueEquals(v, b[i]));
  }
  if (a instanceof Comment) return b instanceof Comment && a.text === b.text;
  if (a instanceof SopsTime) return b instanceof SopsTime && a.text === b.text;
  if (a instanceof Uint8Array) return b instanceof Uint8Array && Buffer.compare(a, b) === 0;
  return false;
}

export function keyEquals(a: string | Comment, b: string | Comment): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.text === b.text;
}

export function branchesEqual(a: Branches, b: Branches): boolean {
  return a.length === b.length && a.every((m, i) => valueEquals(m, b[i]));
}

/** The value that a path creates below a missing step (sops valueFromPathAndLeaf). */
function build(steps: PathStep[], leaf: Value): Value {
  if (steps.length === 0) return leaf;
  const [head, ...rest] = steps;
  if (typeof head === 'number') return [build(rest, leaf)];
  return new Mapping([{ key: head, value: build(rest, leaf) }]);
}

function checkIndex(step: number, steps: PathStep[], i: number): void {
  if (step < 0) {
    throw new SopsError(`invalid index at ${formatPath(steps.slice(0, i + 1))}: negative indexes cannot be set`, ExitCode.InvalidSetFormat);
  }
}

/**
 * Sets `value` at `steps` in `branch` the way sops does: missing keys are appended, an index past the end
 * appends, a scalar in the way is replaced. Returns whether the tree changed.
 */
export function setPath(branch: Mapping, steps: PathStep[], value: Value): boolean {
  if (steps.length === 0) throw new SopsError('empty tree path', ExitCode.InvalidSetFormat);
  if (typeof steps[0] === 'number') throw new SopsError('invalid path: the top level of a document is a mapping, not a list', ExitCode.InvalidSetFormat);
  let cur: Value = branch;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    if (typeof step === 'string') {
      if (!(cur instanceof Mapping)) throw new Error('unreachable: set walks only into mappings');
      const item: Item | undefined = cur.items.find((it) => it.key === step);
      if (!item) {
        cur.items.push({ key: step, value: build(steps.slice(i + 1), value) });
        return true;
      }
      if (last) {
        const changed = !valueEquals(item.value, value);
        item.value = value;
        return changed;
      }
      if (!fits(item.value, steps[i + 1])) {
        const replacement = build(steps.slice(i + 1), value);
        const changed = !valueEquals(item.value, replacement);
        item.value = replacement;
        return changed;
      }
      cur = item.value;
    } else {
      checkIndex(step, steps, i);
      const list = cur as Value[];
      if (step >= list.length) {
        list.push(build(steps.slice(i + 1), value));
        return true;
      }
      if (last) {
        const changed = !valueEquals(list[step], value);
        list[step] = value;
        return changed;
      }
      if (!fits(list[step], steps[i + 1])) {
        const replacement = build(steps.slice(i + 1), value);
        const changed = !valueEquals(list[step], replacement);
        list[step] = replacement;
        return changed;
      }
      cur = list[step]!;
    }
  }
  return false;
}

/** Whether `v` can be walked into with `next` (a mapping for a key, a list for an index). */
function fits(v: Value, next: PathStep): boolean {
  return typeof next === 'number' ? Array.isArray(v) : v instanceof Mapping;
}

/** Removes the item or element at `steps`; throws exit 1 "not found" naming the missing step, as sops does. */
export function unsetPath(branch: Mapping, steps: PathStep[]): void {
  if (steps.length === 0) throw new SopsError('empty tree path', ExitCode.InvalidSetFormat);
  let cur: Value = branch;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i];
    const last = i === steps.length - 1;
    const where = formatPath(steps.slice(0, i + 1));
    if (!(cur instanceof Mapping) && !Array.isArray(cur)) {
      // sops fails here whatever --idempotent says: a scalar cannot hold the rest of the path (not "not found").
      throw new SopsError(`Unsupported type: ${goTypeName(cur)} for item '${goPercentS(step)}'`, ExitCode.Generic);
    }
    if (typeof step === 'string') {
      if (!(cur instanceof Mapping)) throw new PathNotFound(`component ${where} not found: not a mapping`);
      const idx = cur.items.findIndex((it) => it.key === step);
      if (idx < 0) throw new PathNotFound(`component ${where} not found`);
      if (last) cur.items.splice(idx, 1);
      else cur = cur.items[idx].value;
    } else {
      if (!Array.isArray(cur)) throw new PathNotFound(`component ${where} not found: not a list`);
      if (step < 0 || step >= cur.length) throw new PathNotFound(`component ${where} not found: index out of range`);
      if (last) cur.splice(step, 1);
      else cur = cur[step]!;
    }
  }
}

/** Go's %T of a decrypted leaf, as sops names it in errors. */
function goTypeName(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof SopsTime) return 'time.Time';
  if (v instanceof Uint8Array) return 'string';
  return 'sops.Comment';
}

/** Go's %s of a path step: an index is not a string, so Go prints it as a bad verb. */
function goPercentS(step: PathStep): string {
  return typeof step === 'number' ? `%!s(int=${step})` : step;
}

/** unset of a path that does not exist: `--idempotent` turns it into a no-op. */
export class PathNotFound extends SopsError {
  constructor(message: string) {
    super(message, ExitCode.Generic);
  }
}


/** Tree copies are the tree module's (one deep copy for the whole project). */
export { cloneBranches } from '../sops/tree.js';
