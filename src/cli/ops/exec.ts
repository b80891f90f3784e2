// exec-env and exec-file (sops 3.x): run a command with the decrypted values, never writing them to a persistent
// disk. exec-env puts the first document's top-level values into the command's environment; exec-file hands it the
// decrypted file as a FIFO (or, with --no-fifo, a 0600 file) in a private wiped directory (src/edit/private.ts: on
// tmpfs when the system has one), which is zeroed and removed when the command ends, also on Ctrl+C or kill.
// The command runs through /bin/sh -c, as sops runs it; its exit status is ours.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, constants as fsc, openSync, promises as fs, readFileSync, readSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { isAbsolute, join, normalize } from 'node:path';
import { decryptBytes, openEncrypted } from '../../engine.js';
import { ExitCode, SopsError } from '../../errors.js';
import { readInput } from '../../io.js';
import { PrivateDir } from '../../edit/private.js';
import { Comment, Mapping, type Branches } from '../../sops/tree.js';
import { valToString } from '../../sops/stores/gotext.js';
import type { FileCommandArgs } from '../args.js';
import { warn } from '../console.js';

export interface ExecOptions {
  /** The shell command; exec-file replaces each `{}` with the file's path. */
  command: string;
  /** Only the decrypted values (and the --user variables), none of ours. */
  pristine: boolean;
  /** Start the command and return without waiting for it (deprecated in sops; kept as it has it). */
  background: boolean;
  /** Run the command as this user (needs the privilege to switch). */
  user?: string;
}

/** The exit status of a command that ended: its code, or 128 + the signal's number as a shell reports it. */
function statusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return 128 + (signal ? (osConstants.signals[signal] ?? 0) : 0);
}

interface UserInfo {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/** The passwd entry of `name` (getent, so NSS users count; else /etc/passwd). */
export function lookupUser(name: string): UserInfo {
  let line: string | undefined;
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8' });
  if (r.status === 0) line = r.stdout.split('\n')[0];
  else if (r.error) {
    line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[0] === name);
  }
  const f = line?.split(':');
  if (!f || f.length < 7 || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) throw new SopsError(`--user: no such user: ${name}`, ExitCode.Generic);
  return { name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
}

function childEnv(base: NodeJS.ProcessEnv, pristine: boolean, values: Record<string, string>, user?: UserInfo): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = pristine ? {} : { ...base };
  Object.assign(env, values);
  if (user) Object.assign(env, { HOME: user.home, USER: user.name, LOGNAME: user.name });
  return env;
}

/** Runs `command` in /bin/sh; resolves with its status (0 at once in the background, once it started). */
function runShell(command: string, env: NodeJS.ProcessEnv, o: ExecOptions, user?: UserInfo, onExit?: () => void): Promise<{ status: number; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      env,
      stdio: o.background ? 'ignore' : 'inherit',
      detached: o.background,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    });
    child.once('error', (err) => { reject(new SopsError(`could not run the command: ${(err as NodeJS.ErrnoException).code ?? err.message}`, ExitCode.Generic)); });
    if (o.background) {
      child.once('exit', () => onExit?.());
      child.once('spawn', () => {
        child.unref();
        resolve({ status: 0, child });
      });
      return;
    }
    // The command owns the terminal while it runs: Ctrl+C reaches it (and ends it), not only us.
    const ignore = () => {};
    process.on('SIGINT', ignore);
    child.once('exit', (code, signal) => {
      process.removeListener('SIGINT', ignore);
      resolve({ status: statusOf(code, signal), child });
    });
  });
}

/** The environment variables of a decrypted tree, as sops makes them: the first document's top-level scalars. */
export function envFromTree(branches: Branches): Record<string, string> {
  const out: Record<string, string> = {};
  const top = branches[0] ?? new Mapping();
  for (const it of top.items) {
    if (it.key instanceof Comment) continue;
    if (it.value instanceof Mapping || Array.isArray(it.value)) {
      throw new SopsError(`cannot use complex value in environment; offending key ${it.key}`, ExitCode.Generic);
    }
    if (it.key.includes('=')) throw new SopsError(`cannot use keys with '=' in environment: ${it.key}`, ExitCode.Generic);
    if (it.key.includes('\0')) throw new SopsError('cannot use keys with a NUL character in environment', ExitCode.Generic);
    const v = typeof it.value === 'string' ? it.value : valToString(it.value);
    if (v.includes('\0')) throw new SopsError(`cannot use a value with a NUL character in environment; offending key ${it.key}`, ExitCode.Generic);
    out[it.key] = v;
  }
  return out;
}

/** exec-env FILE COMMAND: the command runs with FILE's values in its environment. */
export async function execEnv(file: string, args: FileCommandArgs, o: ExecOptions): Promise<number> {
  const env = args.common.env ?? process.env;
  if (o.background) warn("exec-env's --background option is deprecated in sops");
  const user = o.user ? lookupUser(o.user) : undefined;
  const opened = await openEncrypted(await readInput(file), file, { ...args.common, stash: false, warn });
  const values = envFromTree(opened.branches);
  return (await runShell(o.command, childEnv(env, o.pristine, values, user), o, user)).status;
}

/** A name for the file below the private directory: relative, inside it (as sops checks --filename). */
function localName(name: string | undefined, fallback: string): string {
  if (name === undefined || name === '') return fallback;
  const n = normalize(name);
  if (isAbsolute(name) || n === '..' || n.startsWith('../') || n === '.' || n.includes('/')) {
    throw new SopsError('The provided filename is not a local path.', ExitCode.Generic);
  }
  return n;
}

/**
 * Writes `plain` into the FIFO at `path` once a reader opens it. `stop()` ends a write nobody came to read (the
 * command exited without opening it): a reader of our own lets the pending open return, and the write is dropped.
 */
function feedFifo(path: string, plain: Uint8Array): { done: Promise<void>; stop: () => void } {
  let stopped = false;
  const done = (async () => {
    const fh = await fs.open(path, fsc.O_WRONLY);
    try {
      if (!stopped) await fh.write(plain);
    } catch {
      // the reader went away (EPIPE): nothing more to hand over
    } finally {
      await fh.close().catch(() => {});
    }
  })();
  const stop = () => {
    stopped = true;
    try {
      const fd = openSync(path, fsc.O_RDONLY | fsc.O_NONBLOCK);
      const sink = Buffer.alloc(65536);
      try {
        while (readSync(fd, sink) > 0) {
          /* drain what was written before the close */
        }
      } catch {
        /* EAGAIN: empty */
      }
      setTimeout(() => { closeSync(fd); }, 0);
    } catch {
      /* already gone */
    }
  };
  return { done: done.catch(() => {}), stop };
}

/** exec-file FILE COMMAND: the command gets the decrypted file's path in place of `{}`. */
export async function execFile(file: string, args: FileCommandArgs, o: ExecOptions & { fifo: boolean; filename?: string }): Promise<number> {
  const env = args.common.env ?? process.env;
  if (o.background && !o.fifo) {
    // The file could never be removed once the command is its own: refuse rather than leave plaintext behind.
    throw new SopsError('--background needs the FIFO: with --no-fifo the decrypted file would outlive this command', ExitCode.ConflictingParameters);
  }
  if (o.background) warn("exec-file's --background option is deprecated in sops");
  const name = localName(o.filename, 'tmp-file');
  const user = o.user ? lookupUser(o.user) : undefined;
  const plain = await decryptBytes(await readInput(file), file, { ...args.common, warn });
  // Another user cannot enter our own private parents (XDG_RUNTIME_DIR is 0700): theirs is a shared tmpfs, /dev/shm.
  const dir = PrivateDir.create(user ? { ...env, HELM_SECRETS_PRIVATE_DIR: undefined, XDG_RUNTIME_DIR: undefined } : env, 'helm-secrets-exec-');
  try {
    if (user) chownSync(dir.path, user.uid, user.gid);
    const path = join(dir.path, name);
    let feeder: ReturnType<typeof feedFifo> | undefined;
    if (o.fifo) {
      const r = spawnSync('mkfifo', ['-m', '600', path], { encoding: 'utf8' });
      if (r.status !== 0) throw new SopsError(`could not make a FIFO (use --no-fifo): ${(r.stderr || r.error?.message || '').trim().split('\n')[0]}`, ExitCode.Generic);
      feeder = feedFifo(path, plain);
    } else dir.writeFile(name, plain);
    if (user) chownSync(path, user.uid, user.gid);
    const command = o.command.split('{}').join(path);
    // In the background the command reads the FIFO in its own time: we wait until it has taken the plaintext, or
    // has ended without it.
    const { status } = await runShell(command, childEnv(env, false, {}, user), o, user, () => feeder?.stop());
    if (feeder) {
      if (!o.background) feeder.stop();
      await feeder.done;
    }
    return status;
  } finally {
    dir.wipeSync();
  }
}
