// Writing to our own stdout and stderr. On Linux process.stdout and process.stderr write files, pipes and terminals
// synchronously anyway, so the bytes go straight to the descriptor: creating one of those streams loads node:stream
// and, for a pipe, node:net, and builds a socket (process.stderr on a pipe: about 1 ms of CPU the first time, even
// with both modules loaded, against 0.2 ms for one write). Elsewhere, and for a descriptor that would block, the
// stream takes the bytes, after what was already written.
import { writeSync } from 'node:fs';

/**
 * Writes `buf` to descriptor `fd` synchronously; returns how many bytes went before the descriptor would block
 * (EAGAIN: a non-blocking pipe another process set up), which is all of them unless it would. Throws other errors.
 */
export function writeUntilBlocked(fd: number, buf: Uint8Array): number {
  let off = 0;
  try {
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  } catch (err) {
    // writeSync throws only Errors (ErrnoException); anything else would be a bug worth seeing as is.
    if (!(err instanceof Error) || (err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
  }
  return off;
}

/** One or more message lines on stderr. A write that fails here is left to process.stderr, which reports it as before. */
export function writeStderr(text: string): void {
  if (process.platform === 'linux') {
    const buf = Buffer.from(text, 'utf8');
    let off = 0;
    try {
      off = writeUntilBlocked(2, buf);
    } catch {
      // the stream below gets the rest and fails the way it always did
    }
    if (off < buf.length) process.stderr.write(buf.subarray(off));
    return;
  }
  process.stderr.write(text);
}

/**
 * Writes to stdout and resolves once the data is handed to the OS (so large outputs are not cut at exit). On Linux
 * the bytes go straight to descriptor 1 (creating process.stdout loads node:stream, and for a pipe node:net: 3-4 ms
 * of CPU at start, more than a small decrypt takes); a descriptor that would block gets the rest through the stream.
 */
export function writeStdout(data: Uint8Array | string): Promise<void> {
  let rest = data;
  if (process.platform === 'linux') {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off: number;
    try {
      off = writeUntilBlocked(1, buf);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (off === buf.length) return Promise.resolve();
    rest = buf.subarray(off);
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(rest, (err) => { if (err) reject(err); else resolve(); });
  });
}
