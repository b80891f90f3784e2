// Private places for plaintext: a 0700 directory (on tmpfs when the system has one; where: src/privatedir.ts) holding 0600 files,
// overwritten and removed when done, also when the process is interrupted.
import { closeSync, constants as fsc, existsSync, fstatSync, mkdtempSync, openSync, readdirSync, rmSync, lstatSync, writeSync, chmodSync, accessSync, fsyncSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, SopsError } from '../errors.js';
import { lockContent } from '../lock.js';
import { LOCK_FILE, privateParents } from '../privatedir.js';

/** Candidate parents: HELM_SECRETS_PRIVATE_DIR when set, then the shared order of src/privatedir.ts. */
function editParents(env: NodeJS.ProcessEnv): string[] {
  const override = env.HELM_SECRETS_PRIVATE_DIR;
  const parents = privateParents(env);
  if (!override) return parents;
  try {
    accessSync(override, fsc.W_OK | fsc.X_OK);
    return [override, ...parents];
  } catch {
    return parents;
  }
}

export class PrivateDir {
  private wiped = false;
  /** While an editor runs in the foreground, Ctrl+C belongs to it (vim uses it); the file must survive. */
  holdInterrupts = false;
  private readonly onExit = () => { this.wipeSync(); };
  private readonly onSignal = (sig: NodeJS.Signals) => {
    if (sig === 'SIGINT' && this.holdInterrupts) return;
    this.wipeSync();
    process.kill(process.pid, sig);
  };

  private constructor(readonly path: string, autoWipe: boolean) {
    if (autoWipe) {
      process.once('exit', this.onExit);
      process.on('SIGINT', this.onSignal);
      process.on('SIGTERM', this.onSignal);
      process.on('SIGHUP', this.onSignal);
    }
  }

  /** Creates the directory; `autoWipe` removes it at exit or on SIGINT/SIGTERM/SIGHUP (off for views kept for the user). */
  static create(env: NodeJS.ProcessEnv, prefix = 'helm-secrets-', autoWipe = true): PrivateDir {
    for (const parent of editParents(env)) {
      let dir: string | undefined;
      try {
        dir = mkdtempSync(join(parent, prefix));
        chmodSync(dir, 0o700);
        // A SIGKILL skips every handler: the lock lets the next run's cleanStaleDirs find and remove the plaintext.
        if (autoWipe) writeFileSync(join(dir, LOCK_FILE), lockContent(), { mode: 0o600 });
        return new PrivateDir(dir, autoWipe);
      } catch {
        // A directory made before the failure (a full tmpfs takes the directory but not the lock's bytes) goes
        // with it: left there, its empty lock would name no process for cleanStaleDirs. Then the next parent.
        if (dir) {
          try {
            rmSync(dir, { recursive: true, force: true });
          } catch {
            /* cleanStaleDirs removes it once its lock is old */
          }
        }
      }
    }
    throw new SopsError('could not create a private temporary directory', ExitCode.CouldNotWriteOutputFile);
  }

  /** Writes a new 0600 file in the directory and returns its path. */
  writeFile(name: string, data: Uint8Array | string): string {
    const path = join(this.path, name);
    const fd = openSync(path, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      writeSync(fd, buf);
    } finally {
      closeSync(fd);
    }
    return path;
  }

  /** Overwrites every file below the directory with zeros, then removes it. Idempotent. */
  wipeSync(): void {
    if (this.wiped) return;
    this.wiped = true;
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    process.removeListener('SIGHUP', this.onSignal);
    if (!existsSync(this.path)) return;
    // The lock is never zeroed (it holds no secret): killed half-way, the directory still says whose it was.
    zeroTree(this.path);
    rmSync(this.path, { recursive: true, force: true });
  }
}

function zeroTree(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    // The lock holds no secret and must stay readable to the end: a kill in the middle of the wipe then still leaves
    // a directory that the next run's cleanStaleDirs recognises and removes with the plaintext in it.
    if (name === LOCK_FILE) continue;
    const p = join(dir, name);
    try {
      const st = lstatSync(p);
      if (st.isDirectory()) zeroTree(p);
      else if (st.isFile()) zeroFile(p);
    } catch {
      /* best effort: the directory is removed anyway */
    }
  }
}

function zeroFile(path: string): void {
  const fd = openSync(path, fsc.O_WRONLY);
  try {
    const size = fstatSync(fd).size;
    const zeros = Buffer.alloc(Math.min(size, 1 << 20));
    for (let off = 0; off < size; off += zeros.length) writeSync(fd, zeros, 0, Math.min(zeros.length, size - off), off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
