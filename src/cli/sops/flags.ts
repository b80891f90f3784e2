// The flag syntax of the sops binary (Go's flag package under urfave/cli v1): `-name` and `--name` are the same
// flag, a value follows as `-name V` or `-name=V`, a boolean takes `-name=false`, `--` ends the flags. The app's own
// flags stop at the first positional argument (the subcommand or the file); a subcommand's flags may also come after
// its positionals, as urfave/cli reorders them. Pure: no I/O, errors carry sops's words.
import { ExitCode, SopsError } from '../../errors.js';

export type FlagKind = 'bool' | 'string' | 'slice' | 'int';

/** One flag: its names (the first is canonical), its kind. */
export interface FlagSpec {
  names: string[];
  kind: FlagKind;
}

export interface ParsedFlags {
  /** Canonical name → values in the order given ('true'/'false' for booleans). */
  values: Map<string, string[]>;
  /** Canonical name → the kind of the flag that took the values (the same name can differ between commands). */
  kinds: Map<string, FlagKind>;
  positionals: string[];
}

/** "kms,k" → a spec; the table form keeps the command tables short and close to sops's own listing. */
export function flags(kind: FlagKind, ...names: string[]): FlagSpec[] {
  return names.map((n) => ({ names: n.split(','), kind }));
}

/** The refusal urfave/cli prints for a flag it does not know or a value that is missing (exit 1). */
function usageError(what: string): SopsError {
  return new SopsError(`Incorrect Usage: ${what}`, ExitCode.Generic);
}

/**
 * Parses `argv` against `table`. `interspersed`: flags may follow positionals (subcommands); otherwise the first
 * positional ends the flags and it and everything after it are positionals (the app's own level).
 */
export function parseFlags(argv: readonly string[], table: readonly FlagSpec[], interspersed: boolean): ParsedFlags {
  const byName = new Map<string, FlagSpec>();
  for (const spec of table) for (const n of spec.names) byName.set(n, spec);
  const values = new Map<string, string[]>();
  const kinds = new Map<string, FlagKind>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-' || !a.startsWith('-')) {
      if (!interspersed) {
        positionals.push(...argv.slice(i));
        break;
      }
      positionals.push(a);
      continue;
    }
    const body = a.startsWith('--') ? a.slice(2) : a.slice(1);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const spec = byName.get(name);
    if (!spec || name === '' || name.startsWith('-')) throw usageError(`flag provided but not defined: -${name}`);
    const canonical = spec.names[0];
    let value: string;
    if (spec.kind === 'bool') {
      value = eq < 0 ? 'true' : body.slice(eq + 1);
      if (!/^(1|0|t|f|true|false|TRUE|FALSE|True|False|T|F)$/.test(value)) {
        throw usageError(`invalid boolean value ${JSON.stringify(value)} for -${name}: parse error`);
      }
      value = /^(1|t|true|T|TRUE|True)$/.test(value) ? 'true' : 'false';
    } else if (eq >= 0) value = body.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw usageError(`flag needs an argument: -${name}`);
      value = argv[++i]!;
    }
    if (spec.kind === 'int' && !/^[+-]?\d+$/.test(value)) {
      throw usageError(`invalid value ${JSON.stringify(value)} for flag -${name}: parse error`);
    }
    values.set(canonical, [...(values.get(canonical) ?? []), value]);
    kinds.set(canonical, spec.kind);
  }
  return { values, kinds, positionals };
}

/** The last value of a flag (Go keeps the last of a repeated string flag). */
export function last(p: ParsedFlags, name: string): string | undefined {
  const v = p.values.get(name);
  return v && v.length ? v[v.length - 1] : undefined;
}

export function isSet(p: ParsedFlags, name: string): boolean {
  return last(p, name) === 'true';
}
