// The files a command works on when it is given directories (updatekeys -r, rotate -r): every SOPS-encrypted
// regular file below them, in a stable order; a file that is not a sops file is reported as skipped, never touched.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isSopsEncrypted } from '../../engine.js';
import { ExitCode, SopsError } from '../../errors.js';
import { readInput } from '../../io.js';

const SKIP_DIRS = new Set(['.git', 'node_modules']);

/** Every regular file below `dir` (not in .git or node_modules), in name order, appended to `out`. */
export function walk(dir: string, out: string[]): void {
  for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) {
      if (!SKIP_DIRS.has(ent.name)) walk(p, out);
    } else if (ent.isFile()) out.push(p);
  }
}

/**
 * FILEs as given, and with `recursive` each directory replaced by the sops files below it (`skipped` hears of every
 * other file). A directory without `recursive` is refused, naming the flag.
 */
export async function expandFiles(paths: readonly string[], recursive: boolean, skipped: (file: string) => void): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let dir = false;
    try {
      dir = statSync(p).isDirectory();
    } catch {
      // not there: the command reports it as for any missing file
    }
    if (!dir) {
      out.push(p);
      continue;
    }
    if (!recursive) throw new SopsError('is a directory: use -r to work on every sops file below it', ExitCode.CouldNotReadInputFile, p);
    const below: string[] = [];
    walk(p, below);
    for (const f of below) {
      let sops: boolean;
      try {
        sops = isSopsEncrypted(await readInput(f), f);
      } catch {
        sops = false;
      }
      if (sops) out.push(f);
      else skipped(f);
    }
  }
  return out;
}
