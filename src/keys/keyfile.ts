// Reading private key files (age identity files, SSH keys for age, PGP key files). As ssh does, a key file that its
// group or others can write is reported: one line on stderr naming the file and its mode, printed even with -q
// since it is about the safety of the key. The file is still used (refusing would break a deploy over a mode bit).
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { printable } from '../errors.js';
import { writeStderr } from '../stdio.js';

const warned = new Set<string>();

/** The one-line warning for a key file with mode `mode`, or undefined when nobody but its owner can write it. */
export function looseKeyFileWarning(path: string, mode: number): string | undefined {
  if (process.platform === 'win32' || (mode & 0o022) === 0) return undefined;
  const who = mode & 0o020 ? (mode & 0o002 ? 'group and others' : 'its group') : 'others';
  const octal = (mode & 0o7777).toString(8).padStart(4, '0');
  return `[helm-secrets] Warning: key file '${printable(path)}' can be written by ${who} (mode ${octal}); using it anyway (chmod go-w it)`;
}

/** Reads a key file; warns once per file when group or others can write it (checked on the descriptor read). */
export async function readKeyFile(path: string): Promise<Buffer> {
  // Synchronous, as src/io.ts readInput: loading node:fs's promises API costs more than reading a key.
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    const warning = st.isFile() ? looseKeyFileWarning(path, st.mode) : undefined;
    if (warning && !warned.has(path)) {
      warned.add(path);
      writeStderr(warning + '\n');
    }
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
