// Standard input as a file command's input (sops 3.9: `-`, or no FILE with piped input): the bytes, the name that
// stands for them (--filename-override, which chooses the creation rule and the formats), and the refusals of what
// cannot be done with input that is not a file (in place, FILE.dec).
import { ExitCode, OwnCheck, SopsError } from '../../errors.js';
import { readAllStdin } from '../../io.js';

/** Whether this command line reads stdin: FILE is `-`, or there is no FILE and stdin is not a terminal. */
export function readsStdin(files: readonly string[]): boolean {
  if (files.length === 1 && files[0] === '-') return true;
  return files.length === 0 && !process.stdin.isTTY;
}

/** All of stdin. Nothing piped in (an empty, closed stdin) is no input at all: helm-secrets' "secrets file required". */
export async function readStdinInput(): Promise<Uint8Array> {
  const bytes = await readAllStdin();
  if (bytes.length === 0) throw OwnCheck.noFile();
  return bytes;
}

/** sops's refusals for stdin input, in its words and codes. */
export function checkStdinUse(opts: { inPlace: boolean; what?: string }): void {
  if (opts.inPlace) throw new SopsError('Error: cannot use --in-place when reading from stdin', ExitCode.ConflictingParameters);
  if (opts.what) throw new SopsError(`Error: cannot ${opts.what} when reading from stdin`, ExitCode.ConflictingParameters);
}
