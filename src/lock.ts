// Advisory locks for the commands that read, change and write back one file (edit, set, unset, rotate, updatekeys,
// encrypt -i, decrypt -i, enc), so two of them on the same file run one after the other instead of one silently
// losing the other's change. The lock is a file beside the real file, `.NAME.helm-secrets-lock`, created atomically
// (hard link of a complete temp file, failing when it exists) and holding the owner's pid and process start time; a lock whose process is gone is stale and is broken (under a
// second short-lived lock, so two processes can never both break it and both go on). Node needs no native addon.
import { readFileSync, unlinkSync } from 'node:fs';
import { promises as fs, constants as fsc } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { ExitCode, SopsError } from './errors.js';

/** Start time of a process (Linux: /proc/PID/stat field 22), so a reused pid is not taken for the owner. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The content of a lock file owned by this process. */
export function lockContent(extra: Record<string, string> = {}): string {
  return JSON.stringify({ pid: process.pid, start: processStart(process.pid) ?? null, ...extra }) + '\n';
}

/** Whether the process that wrote a lock still runs (the same process: same pid and, where known, start time). */
export function isAlive(pid: number, start: string | null): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (start === null) return true;
  const now = processStart(pid);
  return now === undefined || now === start;
}

export const LOCK_SUFFIX = '.helm-secrets-lock';
/** Default bound on the wait for another command's lock (HELM_SECRETS_LOCK_TIMEOUT, seconds). */
export const DEFAULT_LOCK_TIMEOUT_S = 60;
const POLL_MS = 100;
/** A lock file still empty or unreadable after this long was left by a writer killed while creating it. */
const HALF_WRITTEN_MS = 5000;

export interface Holder {
  pid: number;
  start: string | null;
  command?: string;
}

/** A lock file as read: its holder when it names one, its text, age and owner. */
export interface LockRead {
  holder?: Holder;
  text: string;
  mtimeMs: number;
  uid: number;
}

/** A lock file is a few dozen bytes; anything larger is not one of ours. */
const MAX_LOCK_BYTES = 4096;

/**
 * The lock at `path` as its holder wrote it, or undefined when there is none (released in between). Throws when the
 * name is something else: a symlink, a FIFO, a device or a large file (a repository can hold a symlink by that name,
 * to /dev/zero, say). It is opened without following links and without blocking, so nothing there makes us wait.
 * Used for the file locks here and for the private directories' locks (src/helm/cleanup.ts).
 */
export async function readLockFile(path: string): Promise<LockRead | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path, fsc.O_RDONLY | fsc.O_NONBLOCK | fsc.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') throw new SopsError(`lock file ${path} is a symbolic link, not a lock; remove it`, ExitCode.Generic);
    throw err;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > MAX_LOCK_BYTES) {
      throw new SopsError(`lock file ${path} is ${st.isFile() ? `${st.size} bytes long, too long for a lock` : 'not a regular file'}; remove it`, ExitCode.Generic);
    }
    const text = await fh.readFile('utf8');
    try {
      const j = JSON.parse(text) as Partial<Holder>;
      if (typeof j.pid === 'number') return { holder: { pid: j.pid, start: typeof j.start === 'string' ? j.start : null, command: j.command }, text, mtimeMs: st.mtimeMs, uid: st.uid };
    } catch {
      /* being written */
    }
    return { text, mtimeMs: st.mtimeMs, uid: st.uid };
  } finally {
    await fh.close();
  }
}

/**
 * Creates `path` holding `content`, failing (false) when it exists. The content is written to a temp file first and
 * hard-linked into place, so a lock file is never seen empty or half-written, even when its writer is killed; the
 * temp file is named like writeAtomic's (`.NAME.PID.HEX.tmp`), so `clean` removes one left by a kill. Where hard
 * links are not supported, an O_EXCL create and write.
 */
async function createExclusive(path: string, content: string): Promise<boolean> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  await fs.writeFile(tmp, content, { mode: 0o644, flag: 'wx' });
  try {
    await fs.link(tmp, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
  } finally {
    await fs.rm(tmp, { force: true });
  }
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    await fh.writeFile(content);
  } finally {
    await fh.close();
  }
  return true;
}

/**
 * Removes the lock at `path` if it still holds `staleText`. Only one process at a time may do this (the `.break`
 * lock), so none can remove a lock another process has just taken after the stale one was removed.
 */
async function breakStale(path: string, staleText: string): Promise<boolean> {
  const guard = path + '.break';
  if (!(await createExclusive(guard, lockContent()))) {
    // A breaker killed mid-way leaves its guard; it only ever lives for a moment.
    const g = await fs.stat(guard).catch(() => undefined);
    if (g && Date.now() - g.mtimeMs > HALF_WRITTEN_MS) await fs.rm(guard, { force: true });
    return false;
  }
  try {
    const now = await readLockFile(path).catch(() => undefined);
    if (now && now.text === staleText) await fs.rm(path, { force: true });
    return true;
  } finally {
    await fs.rm(guard, { force: true });
  }
}

/** Removes the lock file at `path` when the process that holds it is gone (for `clean`); true when removed. */
export async function removeStaleLock(path: string): Promise<boolean> {
  // Something else by a lock's name (a symlink, a FIFO) is not a lock, so not one to remove.
  const seen = await readLockFile(path).catch(() => undefined);
  if (!seen) return false;
  const stale = seen.holder ? !isAlive(seen.holder.pid, seen.holder.start) : Date.now() - seen.mtimeMs > HALF_WRITTEN_MS;
  return stale && (await breakStale(path, seen.text)) && !(await fs.stat(path).catch(() => undefined));
}

/** The lock file for `file`: beside the real file (symlinks resolved), so every name of it shares one lock. */
export async function lockPathFor(file: string): Promise<string> {
  let real: string;
  try {
    real = await fs.realpath(file);
  } catch {
    // A file about to be created: its directory's real path.
    real = join(await fs.realpath(dirname(resolve(file))).catch(() => dirname(resolve(file))), basename(file));
  }
  return join(dirname(real), `.${basename(real)}${LOCK_SUFFIX}`);
}

export interface LockOptions {
  env: NodeJS.ProcessEnv;
  /** The command, named to whoever has to wait. */
  command: string;
  /** Prints one line to the user (stderr): that we wait, or that the file could not be locked. */
  notify: (msg: string) => void;
}

function timeoutMs(env: NodeJS.ProcessEnv): number {
  const v = env.HELM_SECRETS_LOCK_TIMEOUT;
  if (v === undefined || v === '') return DEFAULT_LOCK_TIMEOUT_S * 1000;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new SopsError(`HELM_SECRETS_LOCK_TIMEOUT must be a number of seconds, got ${JSON.stringify(v)}`, ExitCode.Generic);
  return Number(v) * 1000;
}

/** Takes the lock of `file` (waiting, bounded, for another holder), returns its release function. */
export async function lockFile(file: string, opts: LockOptions): Promise<() => void> {
  const bound = timeoutMs(opts.env);
  const path = await lockPathFor(file);
  const mine = lockContent({ command: opts.command });
  const t0 = Date.now();
  let told = false;
  for (;;) {
    let created: boolean;
    try {
      created = await createExclusive(path, mine);
    } catch (err) {
      // No lock can be made here (read-only or foreign directory): the write would fail the same way if it
      // comes to one; a command that only reads (nothing changed) should still work.
      opts.notify(`could not lock ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); going on without a lock`);
      return () => undefined;
    }
    if (created) {
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.removeListener('exit', release);
        try {
          if (readFileSync(path, 'utf8') === mine) unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return release;
    }
    let seen: LockRead | undefined;
    try {
      seen = await readLockFile(path);
    } catch (err) {
      throw new SopsError((err as Error).message, ExitCode.Generic, file);
    }
    if (!seen) continue; // released in between: try again at once
    const stale = seen.holder ? !isAlive(seen.holder.pid, seen.holder.start) : Date.now() - seen.mtimeMs > HALF_WRITTEN_MS;
    if (stale && (await breakStale(path, seen.text))) continue;
    const who = seen.holder ? `pid ${seen.holder.pid}${seen.holder.command ? `, ${seen.holder.command}` : ''}` : 'another process';
    if (Date.now() - t0 >= bound) {
      throw new SopsError(
        `is still being changed by another helm-secrets command (${who}) after ${Math.round(bound / 1000)}s; try again when it is done (lock file ${path})`,
        ExitCode.Generic,
        file,
      );
    }
    if (!told) {
      told = true;
      opts.notify(`${file} is being changed by another helm-secrets command (${who}); waiting up to ${Math.round(bound / 1000)}s for it to finish`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Runs `fn` holding the lock of `file`; the lock is released when it ends, however it ends. */
export async function withFileLock<T>(file: string, opts: LockOptions, fn: () => Promise<T>): Promise<T> {
  const release = await lockFile(file, opts);
  try {
    return await fn();
  } finally {
    release();
  }
}
