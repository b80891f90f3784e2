// File I/O the commands share: reading inputs with sops's exit codes, and atomic writes
// (temp file in the same directory, fsync, rename) so an input file is never left half-written.
import { promises as fs, constants as fsc } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ExitCode, SopsError } from './errors.js';

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await fs.readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const cause = code === 'ENOENT' ? 'file does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot read file (${code ?? 'error'})`;
    throw new SopsError(cause, code === 'ENOENT' ? ExitCode.NoFileSpecified : ExitCode.CouldNotReadInputFile, path);
  }
}

/**
 * Writes `data` to `path` atomically. `mode` is forced when given; otherwise an existing file keeps its mode.
 * The temporary file is created 0600 so plaintext (dec) is never briefly world-readable.
 */
export async function writeAtomic(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let finalMode = mode ?? 0o644;
  if (mode === undefined) {
    try {
      finalMode = (await fs.stat(path)).mode & 0o7777;
    } catch {
      /* new file */
    }
  }
  let fh: fs.FileHandle | undefined;
  try {
    fh = await fs.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    await fh.writeFile(data);
    await fh.sync();
    await fh.chmod(finalMode);
    await fh.close();
    fh = undefined;
    await fs.rename(tmp, path);
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    await fs.rm(tmp, { force: true }).catch(() => {});
    if (err instanceof SopsError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new SopsError(`could not write file (${code})`, ExitCode.CouldNotWriteOutputFile, path);
  }
}

/** Temporary files of writeAtomic: `.NAME.PID.HEX.tmp`. A SIGKILL between create and rename leaves one behind. */
const TEMP_NAME = /^\.(.+)\.(\d+)\.[0-9a-f]{12}\.tmp$/;

/** The writer's pid when `name` is a temporary file of writeAtomic, else undefined. */
export function atomicTempOwner(name: string): number | undefined {
  const m = TEMP_NAME.exec(name);
  return m ? Number(m[2]) : undefined;
}

export function toText(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
