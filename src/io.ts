// File I/O the commands share: reading inputs (regular files only) with sops's exit codes, and writes that replace
// a regular file atomically (temp file beside the real file, fsync, rename; owner, group and mode kept) so it is never
// left half-written, while devices and FIFOs are written into as they are.
import { closeSync, fstatSync, openSync, readFileSync, statSync, promises as fs, constants as fsc, type Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ExitCode, SopsError } from './errors.js';

/** What a non-regular file is, for messages: "is a directory", "is a FIFO", ... */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'is a directory';
  if (st.isCharacterDevice()) return 'is a character device';
  if (st.isBlockDevice()) return 'is a block device';
  if (st.isFIFO()) return 'is a FIFO (named pipe)';
  if (st.isSocket()) return 'is a socket';
  if (st.isSymbolicLink()) return 'is a symlink';
  return st.isFile() ? 'is a regular file' : 'is not a regular file';
}

/** The refusal of a non-regular input, saying what it is. */
function notRegular(st: Stats, path: string): SopsError {
  return new SopsError(`${fileKind(st)}, not a regular file: it cannot be read as an input`, ExitCode.CouldNotReadInputFile, path);
}

function readError(err: unknown, path: string): SopsError {
  if (err instanceof SopsError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const cause = code === 'ENOENT' ? 'file does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot read file (${code ?? 'error'})`;
  return new SopsError(cause, code === 'ENOENT' ? ExitCode.NoFileSpecified : ExitCode.CouldNotReadInputFile, path);
}

/**
 * Reads an input file, which must be a regular file: a device (/dev/zero never ends), a FIFO (blocks until a writer
 * comes), a socket or a directory is refused with what it is. The file is opened non-blocking and checked on the
 * open descriptor, so a FIFO swapped in after a check cannot block the read either.
 */
export async function readInput(path: string): Promise<Uint8Array> {
  // Synchronous calls: a values or key file is read in well under a millisecond, and node:fs's promises API costs
  // ~4 ms of CPU to load (it brings node:stream and node:readline), more than a small decrypt takes.
  let fd: number;
  try {
    fd = openSync(path, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0) | (fsc.O_NOCTTY ?? 0));
  } catch (err) {
    // A socket cannot be opened at all (ENXIO): say what it is rather than the errno.
    const st = statSync(path, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw notRegular(st, path);
    throw readError(err, path);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st, path);
    return readFileSync(fd);
  } catch (err) {
    throw readError(err, path);
  } finally {
    closeSync(fd);
  }
}

/**
 * readInput for synchronous callers (config files): the same refusal of anything but a regular file (a SopsError
 * saying what it is); open and read errors are thrown as they are, for the caller to word.
 */
export function readInputSync(path: string): Buffer {
  const fd = openSync(path, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0) | (fsc.O_NOCTTY ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(st, path);
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Where a write goes: straight into an existing non-regular file, or a replace of the real file behind any symlinks. */
type Target = { direct: true; st: Stats } | { direct: false; real: string; st?: Stats };

/**
 * Descriptor paths (/dev/stdout, /dev/stderr, /dev/fd/N, anything under /proc) name the caller's open files: they
 * are written into, never replaced, even when they lead to a regular file (`--output /dev/stdout >> log`).
 * (/dev/shm and other directories under /dev hold ordinary files, replaced atomically as anywhere else.)
 */
const DESCRIPTOR_DIRS = /^\/(proc(\/|$)|dev\/(fd\/|std(in|out|err)$))/;

async function writeTarget(path: string): Promise<Target> {
  const abs = resolve(path);
  let st: Stats | undefined;
  try {
    st = await fs.stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!st) {
    const lst = await fs.lstat(path).catch(() => undefined);
    if (lst?.isSymbolicLink()) throw new SopsError('is a symlink to a file that does not exist; not written (create the target first)', ExitCode.CouldNotWriteOutputFile, path);
    if (process.platform !== 'win32' && DESCRIPTOR_DIRS.test(abs)) throw new SopsError('does not exist (no file is created under /dev/fd or /proc)', ExitCode.CouldNotWriteOutputFile, path);
    return { direct: false, real: path };
  }
  if (st.isDirectory()) throw new SopsError('is a directory', ExitCode.CouldNotWriteOutputFile, path);
  if (!st.isFile() || (process.platform !== 'win32' && DESCRIPTOR_DIRS.test(abs))) return { direct: true, st };
  if (st.nlink > 1) {
    throw new SopsError(
      `has ${st.nlink} hard links: not rewritten, because replacing it would leave the old content under the other names and writing into it ` +
        'would not be atomic (make it a single file first, e.g. cp FILE FILE.new && mv FILE.new FILE)',
      ExitCode.CouldNotWriteOutputFile,
      path,
    );
  }
  return { direct: false, real: await fs.realpath(path), st };
}

function fstatOrUndefined(fd: number): Stats | undefined {
  try {
    return fstatSync(fd);
  } catch {
    return undefined;
  }
}

/** Writes into an existing device, FIFO or descriptor path as it is (as sops does): no temp file, no rename, no chmod. */
async function writeDirect(path: string, data: Uint8Array | string, st: Stats): Promise<void> {
  // Our own stdout or stderr (/dev/stdout, /dev/fd/1): written through the stream, which also works when it is a
  // socket (Linux refuses to open those by path) and keeps the order with our other output.
  for (const [fd, stream] of [[1, process.stdout], [2, process.stderr]] as const) {
    const own = fstatOrUndefined(fd);
    if (own && own.dev === st.dev && own.ino === st.ino) {
      return new Promise((res, rej) => stream.write(data, (err) => { if (err) rej(err); else res(); }));
    }
  }
  const fh = await fs.open(path, fsc.O_WRONLY | (fsc.O_NOCTTY ?? 0) | (st.isFile() ? fsc.O_TRUNC : 0));
  try {
    await fh.writeFile(data);
  } finally {
    await fh.close();
  }
}

/**
 * Writes `data` to `path`. A regular file (or a new one) is replaced atomically: a temp file in the directory of the
 * real file (behind any symlinks, which stay), fsync, then rename, so the file is either the old or the new version.
 * An existing file keeps its owner, group and mode (`mode`, when given, is forced: 0600 for plaintext); a file with
 * several hard links is refused (see writeTarget). Devices, FIFOs and /dev/stdout-like paths are written directly.
 * The temporary file is created 0600 so plaintext is never briefly readable by others.
 */
export async function writeAtomic(path: string, data: Uint8Array | string, mode?: number): Promise<void> {
  let tmp: string | undefined;
  let fh: fs.FileHandle | undefined;
  try {
    const target = await writeTarget(path);
    if (target.direct) { await writeDirect(path, data, target.st); return; }
    const dest = target.real;
    tmp = join(dirname(dest), `.${basename(dest)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
    fh = await fs.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    await fh.writeFile(data);
    await fh.sync();
    const old = target.st;
    if (old && process.platform !== 'win32') {
      const mine = await fh.stat();
      if (mine.uid !== old.uid || mine.gid !== old.gid) {
        try {
          await fh.chown(old.uid, old.gid);
        } catch (err) {
          throw new SopsError(
            `could not keep its owner and group (${old.uid}:${old.gid}): ${(err as NodeJS.ErrnoException).code ?? 'error'}; the file was left unchanged`,
            ExitCode.CouldNotWriteOutputFile,
            path,
          );
        }
      }
    }
    // After chown, which clears set-id bits.
    await fh.chmod(mode ?? (old ? old.mode & 0o7777 : 0o644));
    await fh.close();
    fh = undefined;
    await fs.rename(tmp, dest);
    tmp = undefined;
  } catch (err) {
    if (fh) await fh.close().catch(() => {});
    if (tmp) await fs.rm(tmp, { force: true }).catch(() => {});
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

/** All of stdin, as bytes (the one reader of piped input: file commands, set --value-stdin, bin/sops, the post-renderer). */
export async function readAllStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
