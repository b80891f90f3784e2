// Hands decrypted values to helm without writing them to a persistent disk: an inherited descriptor read as
// /dev/fd/N where the OS allows it, else a private 0700 directory (tmpfs when there is one) wiped on every exit.
import { type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, constants as fsc, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Writable } from 'node:stream';
import { DIR_PREFIX, LOCK_FILE, lockContent } from './cleanup.js';
import { privateParents, tmpfsParents } from '../privatedir.js';
import { decSuffix } from './resolve.js';

const EMPTY = new Uint8Array(0);

export type DeliveryMode = 'fd' | 'pipe' | 'dir';

/** A tmpfs directory for this user (RAM, never a persistent disk), or undefined when there is none. */
export function tmpfsRoot(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  return tmpfsParents(env, platform)[0];
}

/**
 * How plaintext reaches helm. Linux: `fd`, an unlinked file on tmpfs that stays open in this process only
 * (close-on-exec) and that helm opens as /proc/PID/fd/N, PID being ours: helm's own descriptor for it is
 * close-on-exec too (Go opens everything so), so nothing helm runs (a post-renderer, a plugin) inherits it, as it
 * would an inherited fd 3 (Go does not close inherited descriptors when it starts a child). Linux refuses to open
 * sockets, which Node's stdio pipes are, through /proc/PID/fd, and a FIFO whose writer is done blocks the
 * reader's open. macOS: `pipe`, Node's stdio pipes (its /dev/fd duplicates the descriptor).
 * Else, or when HELM_SECRETS_DEC_DIR / HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR=true ask for files, or for a helm.exe
 * under WSL: `dir`, files in a private directory.
 */
export function chooseMode(env: NodeJS.ProcessEnv, helmPath: string, platform: NodeJS.Platform = process.platform): DeliveryMode {
  if (platform !== 'linux' && platform !== 'darwin') return 'dir';
  if (env.HELM_SECRETS_DEC_DIR) return 'dir';
  if ((env.HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR ?? '').toLowerCase() === 'true') return 'dir';
  if (/\.exe$/i.test(helmPath)) return 'dir';
  if (platform === 'darwin') return existsSync('/dev/fd') ? 'pipe' : 'dir';
  return tmpfsRoot(env, platform) && existsSync('/proc/self/fd') ? 'fd' : 'dir';
}

/** Where private directories go: HELM_SECRETS_DEC_DIR, else the shared order of src/privatedir.ts. */
export function privateRoot(env: NodeJS.ProcessEnv): string {
  if (env.HELM_SECRETS_DEC_DIR) {
    mkdirSync(env.HELM_SECRETS_DEC_DIR, { recursive: true });
    return env.HELM_SECRETS_DEC_DIR;
  }
  return privateParents(env)[0] ?? tmpdir();
}

interface Handover {
  /** Descriptor helm inherits (fd mode), or -1 once closed / for pipes. */
  fd: number;
  bytes: Uint8Array;
}

/** One run's hand-over of plaintext to one helm process. */
export class Delivery {
  private dir: string | undefined;
  private readonly items: Handover[] = [];
  private count = 0;
  private wiped = false;

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
   * Registers plaintext for helm and returns the path helm should read. In fd mode the file exists under a name
   * only between its creation and the unlink a moment later, inside this run's 0700 directory.
   */
  add(name: string, bytes: Uint8Array): string {
    const n = this.count++;
    if (this.mode === 'fd') {
      const file = join(this.privateDir(), `v-${n}`);
      const w = openSync(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
      try {
        for (let off = 0; off < bytes.length; ) off += writeSync(w, bytes, off);
        // libuv opens with O_CLOEXEC: helm is not handed this descriptor, it opens it by name.
        const fd = openSync(file, fsc.O_RDONLY);
        this.items.push({ fd, bytes: EMPTY });
        return `/proc/${process.pid}/fd/${fd}`;
      } finally {
        closeSync(w);
        unlinkSync(file);
      }
    }
    if (this.mode === 'pipe') {
      this.items.push({ fd: -1, bytes });
      return `/dev/fd/${3 + this.items.length - 1}`;
    }
    const prefix = this.env.HELM_SECRETS_DEC_PREFIX ?? '';
    const suffix = decSuffix(this.env);
    // The name without its query or fragment: a URL's query may hold a token.
    const file = join(this.privateDir(), `${n}_${prefix}${basename(name.replace(/[?#].*$/s, '')) || 'values'}${suffix}`);
    writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
    return file;
  }

  /** stdio for the helm process: helm's own streams inherited, then one pipe per decrypted file (pipe mode only). */
  stdio(): StdioOptions {
    return ['inherit', 'inherit', 'inherit', ...(this.mode === 'pipe' ? this.items.map(() => 'pipe' as const) : [])];
  }

  /**
   * After spawning: writes each plaintext into its pipe (a pipe is read once: what helm has read, a child of helm
   * cannot read again). In fd mode the descriptors stay open here until wipe(), for helm to open by name.
   */
  feed(child: ChildProcess): void {
    if (this.mode !== 'pipe') return;
    this.items.forEach((p, i) => {
      const stream = child.stdio[3 + i] as Writable | null;
      if (!stream) return;
      // helm may exit without reading a file (an error, --help): the pipe then breaks, which is fine.
      stream.on('error', () => undefined);
      stream.end(Buffer.from(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength));
      p.bytes = EMPTY;
    });
  }

  private closeItem(p: Handover): void {
    if (p.fd < 0) return;
    try {
      closeSync(p.fd);
    } catch {
      /* already closed */
    }
    p.fd = -1;
  }

  /** Removes everything this run created; safe to call more than once and from an exit handler. */
  wipe(): void {
    if (this.wiped) return;
    this.wiped = true;
    for (const p of this.items) {
      this.closeItem(p);
      p.bytes = EMPTY;
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
