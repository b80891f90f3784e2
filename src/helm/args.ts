// Finds the values files in a helm command line, in every spelling helm's flag parser accepts, so the wrapper can
// swap just those file names and leave every other argument byte-for-byte as the user wrote it.

/** How a file reaches helm: `-f`/`--values` (a values document) or `--set-file key=F` (a raw string value). */
export type RefKind = 'values' | 'set-file';

/** One file name inside one argument. `start`/`end` are offsets of the file name within that argument. */
export interface FileRef {
  kind: RefKind;
  /** Index in argv of the argument that holds the file name. */
  arg: number;
  start: number;
  end: number;
  /** The file name as written (with any `?`, `backend!` or protocol prefix). */
  spec: string;
  /** For `--set-file`: the key the file is assigned to. */
  key?: string;
}

const VALUES_LONG = '--values';
const SET_FILE = '--set-file';

/**
 * Splits a pflag string-slice value (`-f a.yaml,b.yaml`) into its parts with their offsets. pflag reads the value
 * as one CSV record, so a part may be double-quoted (`"a,b.yaml"`); the offsets then cover the quotes and the
 * spec is the unquoted text.
 */
export function splitCsv(value: string): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    if (value[i] === '"') {
      let text = '';
      i++;
      for (; i < value.length; i++) {
        if (value[i] === '"') {
          if (value[i + 1] === '"') {
            text += '"';
            i++;
          } else break;
        } else text += value[i];
      }
      i++; // closing quote
      const comma = value.indexOf(',', i);
      const end = comma < 0 ? value.length : comma;
      out.push({ start, end, text: text + value.slice(Math.min(i, end), end) });
      if (comma < 0) break;
      i = comma + 1;
    } else {
      const comma = value.indexOf(',', i);
      const end = comma < 0 ? value.length : comma;
      out.push({ start, end, text: value.slice(start, end) });
      if (comma < 0) break;
      i = comma + 1;
    }
  }
  return out;
}

/**
 * Splits a `--set-file` value (`a=f1,b.c=f2`) the way helm's strvals reader does: commas end a pair unless
 * escaped with a backslash. Each pair's file name (after the first `=`) is returned with its offsets.
 */
export function splitSetFile(value: string): { key: string; start: number; end: number; text: string }[] {
  const out: { key: string; start: number; end: number; text: string }[] = [];
  let pairStart = 0;
  const flush = (end: number) => {
    const pair = value.slice(pairStart, end);
    const eq = pair.indexOf('=');
    if (eq > 0) out.push({ key: pair.slice(0, eq), start: pairStart + eq + 1, end, text: pair.slice(eq + 1) });
  };
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') {
      i++;
      continue;
    }
    if (value[i] === ',') {
      flush(i);
      pairStart = i + 1;
    }
  }
  flush(value.length);
  return out;
}

function refsIn(kind: RefKind, arg: number, value: string, offset: number): FileRef[] {
  if (kind === 'values') {
    return splitCsv(value)
      .filter((p) => p.text !== '')
      .map((p) => ({ kind, arg, start: offset + p.start, end: offset + p.end, spec: p.text }));
  }
  return splitSetFile(value).map((p) => ({ kind, arg, start: offset + p.start, end: offset + p.end, spec: p.text, key: p.key }));
}

/**
 * Returns every values-file reference in a helm argv (the helm command first, as `helm` itself would get it).
 * Accepted spellings: `-f F`, `-fF`, `-f=F`, `--values F`, `--values=F`, comma lists in any of them, and
 * `--set-file key=F` / `--set-file=key=F` (with `,`-separated pairs). Nothing after `--` is a flag.
 */
export function findFileRefs(argv: readonly string[]): FileRef[] {
  const refs: FileRef[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (a === '-f' || a === VALUES_LONG) {
      if (i + 1 < argv.length) refs.push(...refsIn('values', i + 1, argv[i + 1], 0));
      i++;
    } else if (a === SET_FILE) {
      if (i + 1 < argv.length) refs.push(...refsIn('set-file', i + 1, argv[i + 1], 0));
      i++;
    } else if (a.startsWith(VALUES_LONG + '=')) {
      refs.push(...refsIn('values', i, a.slice(VALUES_LONG.length + 1), VALUES_LONG.length + 1));
    } else if (a.startsWith(SET_FILE + '=')) {
      refs.push(...refsIn('set-file', i, a.slice(SET_FILE.length + 1), SET_FILE.length + 1));
    } else if (a.startsWith('-f') && !a.startsWith('--')) {
      // pflag shorthand with the value attached: `-fF` or `-f=F`.
      const off = a[2] === '=' ? 3 : 2;
      refs.push(...refsIn('values', i, a.slice(off), off));
    }
  }
  return refs;
}

/**
 * Builds the argv helm gets: each reference whose replacement is given is swapped for it inside its argument;
 * every other argument (and every other part of a rewritten argument) is kept exactly.
 */
export function rewriteArgs(argv: readonly string[], refs: readonly FileRef[], replacement: ReadonlyMap<FileRef, string>): string[] {
  const out = [...argv];
  const byArg = new Map<number, FileRef[]>();
  for (const r of refs) {
    if (!replacement.has(r)) continue;
    const list = byArg.get(r.arg) ?? [];
    list.push(r);
    byArg.set(r.arg, list);
  }
  for (const [arg, list] of byArg) {
    // Right to left, so earlier offsets stay valid.
    list.sort((x, y) => y.start - x.start);
    let s = argv[arg];
    for (const r of list) s = s.slice(0, r.start) + replacement.get(r)! + s.slice(r.end);
    out[arg] = s;
  }
  return out;
}
