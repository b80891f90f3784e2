// Hands decrypted values to helm without writing them to a persistent disk: an inherited pipe read as /dev/fd/N
// where the OS allows it, else a private 0700 directory (tmpfs when there is one) that is wiped on every exit.
import { execFileSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants as fsc, createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { DIR_PREFIX, LOCK_FILE, lockContent } from './cleanup.js';

export type DeliveryMode = 'pipe' | 'dir';

/**
 * Pipes need /dev/fd (Linux, macOS), a helm that is a native binary of this OS (not helm.exe under WSL), and no
 * request for files: HELM_SECRETS_DEC_DIR or HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR=true ask for a directory.
 */
export function chooseMode(env: NodeJS.ProcessEnv, helmPath: string, platform: NodeJS.Platform = process.platform): DeliveryMode {
  if (platform !== 'linux' && platform !== 'darwin') return 'dir';
  if (env.HELM_SECRETS_DEC_DIR) return 'dir';
  if ((env.HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR ?? '').toLowerCase() === 'true') return 'dir';
  if (/\.exe$/i.test(helmPath)) return 'dir';
  if (!existsSync('/dev/fd')) return 'dir';
  return 'pipe';
}

/** Where private directories go: HELM_SECRETS_DEC_DIR, else /dev/shm (tmpfs) when usable, else the temp dir. */
export function privateRoot(env: NodeJS.ProcessEnv): string {
  if (env.HELM_SECRETS_DEC_DIR) {
    mkdirSync(env.HELM_SECRETS_DEC_DIR, { recursive: true });
    return env.HELM_SECRETS_DEC_DIR;
  }
  try {
    if (process.platform === 'linux' && statSync('/dev/shm').isDirectory()) return '/dev/shm';
  } catch {
    /* no tmpfs: fall through */
  }
  return tmpdir();
}

interface PipeItem {
  readFd: number;
  writeFd: number;
  bytes: Uint8Array;
}

/** One run's hand-over of plaintext to one helm process. */
export class Delivery {
  private dir: string | undefined;
  private readonly pipes: PipeItem[] = [];
  private count = 0;
  private wiped = false;
  private fed = false;

  constructor(
    readonly mode: DeliveryMode,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** The run's private directory (0700, with a lock file naming this process), created on first use. */
  privateDir(): string {
    if (this.dir) return this.dir;
    const dir = mkdtempSync(join(privateRoot(this.env), DIR_PREFIX));
    this.dir = dir;
    writeFileSync(join(dir, LOCK_FILE), lockContent(), { mode: 0o600 });
    return dir;
  }

  /**
   * Registers plaintext for helm and returns the path helm should read. A pipe is made from a FIFO that is
   * opened at both ends and unlinked at once, so helm inherits a real pipe (a socket, which Node's own stdio
   * pipes are, cannot be opened through /dev/fd on Linux) and no name stays behind.
   */
  add(name: string, bytes: Uint8Array): string {
    const n = this.count++;
    if (this.mode === 'pipe') {
      const fifo = join(this.privateDir(), `fifo-${n}`);
      execFileSync('mkfifo', ['-m', '600', fifo]);
      try {
        const readFd = openSync(fifo, fsc.O_RDONLY | fsc.O_NONBLOCK);
        const writeFd = openSync(fifo, fsc.O_WRONLY);
        this.pipes.push({ readFd, writeFd, bytes });
      } finally {
        unlinkSync(fifo);
      }
      return `/dev/fd/${3 + this.pipes.length - 1}`;
    }
    const prefix = this.env.HELM_SECRETS_DEC_PREFIX ?? '';
    const suffix = this.env.HELM_SECRETS_DEC_SUFFIX ?? '.dec';
    const file = join(this.privateDir(), `${n}_${prefix}${basename(name) || 'values'}${suffix}`);
    writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
    return file;
  }

  /** stdio for the helm process: helm's own streams inherited, then one pipe read end per decrypted file. */
  stdio(): StdioOptions {
    return ['inherit', 'inherit', 'inherit', ...this.pipes.map((p) => p.readFd)];
  }

  /** After spawning: drops our copies of the read ends and writes each plaintext into its pipe. */
  feed(_child: ChildProcess): void {
    this.fed = true;
    for (const p of this.pipes) {
      closeSync(p.readFd);
      p.readFd = -1;
      const ws = createWriteStream('', { fd: p.writeFd });
      // helm may exit without reading a file (an error, --help): the pipe then breaks, which is fine.
      ws.on('error', () => undefined);
      ws.end(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength));
    }
  }

  /** Removes everything this run created; safe to call more than once and from an exit handler. */
  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    for (const p of this.pipes) {
      // Write ends are the streams' once fed; before that (helm never started) they are ours to close.
      for (const fd of this.fed ? [p.readFd] : [p.readFd, p.writeFd]) {
        if (fd >= 0) {
          try {
            closeSync(fd);
          } catch {
            /* already closed */
          }
        }
      }
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
