// Command-specific flags (set's --value-stdin, rotate's --add-age, ...) taken out of argv before the shared
// file-command parser sees the rest, so every command keeps the common options and strict unknown-flag errors.

export interface ExtraFlag {
  name: string;
  /** Takes a value (`--name V` or `--name=V`); repeatable values are collected in order. */
  value: boolean;
}

export interface Extracted {
  rest: string[];
  bools: Set<string>;
  values: Map<string, string[]>;
}

export function extractFlags(argv: string[], flags: ExtraFlag[]): Extracted {
  const byName = new Map(flags.map((f) => [f.name, f]));
  const rest: string[] = [];
  const bools = new Set<string>();
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i));
      break;
    }
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    const f = byName.get(name);
    if (!f) {
      rest.push(a);
      continue;
    }
    if (!f.value) {
      bools.add(name);
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else v = argv[++i];
    if (v === undefined) throw new Error(`option --${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), v]);
  }
  return { rest, bools, values };
}
