// Questions for the person at the terminal: a passphrase, a PIN an age plugin asks for, a yes/no. They are asked on
// the controlling terminal (/dev/tty; the console on Windows), never on stdin or stdout, which carry data in
// pipelines and helm's plugin protocol. Secret answers are read with echo off and never logged.
import { closeSync, openSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';

export class NoTerminalError extends Error {
  constructor() {
    super('there is no terminal to ask on');
  }
}

interface Terminal {
  input: ReadStream;
  output: WriteStream;
  close(): void;
}

function openTerminal(): Terminal {
  let inFd: number;
  let outFd: number;
  try {
    const [inPath, outPath] = process.platform === 'win32' ? ['CONIN$', 'CONOUT$'] : ['/dev/tty', '/dev/tty'];
    inFd = openSync(inPath, 'r');
    try {
      outFd = openSync(outPath, 'w');
    } catch (err) {
      closeSync(inFd);
      throw err;
    }
  } catch {
    throw new NoTerminalError();
  }
  const input = new ReadStream(inFd);
  const output = new WriteStream(outFd);
  return {
    input,
    output,
    close() {
      input.destroy();
      output.destroy();
    },
  };
}

/**
 * Asks `prompt` on the terminal and returns the line typed (without its end). With `secret`, nothing typed is
 * echoed. Ctrl-C or Ctrl-D on an empty line rejects.
 */
export async function askOnTerminal(prompt: string, secret: boolean): Promise<string> {
  const t = openTerminal();
  return await new Promise<string>((resolve, reject) => {
    let answer = '';
    const finish = (err?: Error) => {
      t.input.removeAllListeners('data');
      if (t.input.isRaw) t.input.setRawMode(false);
      t.output.write('\n', () => { t.close(); });
      if (err) reject(err);
      else resolve(answer);
    };
    t.input.setRawMode(true);
    t.input.setEncoding('utf8');
    t.output.write(prompt);
    t.input.on('data', (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') { finish(); return; }
        if (ch === '\u0003') { finish(new Error('interrupted')); return; }
        if (ch === '\u0004') {
          if (answer === '') { finish(new Error('no answer')); return; }
          continue;
        }
        if (ch === '\u007f' || ch === '\b') {
          if (answer !== '') {
            // eslint-disable-next-line @typescript-eslint/no-misused-spread -- erases one code point, as a terminal erases one typed character
            answer = [...answer].slice(0, -1).join('');
            if (!secret) t.output.write('\b \b');
          }
          continue;
        }
        if (ch < ' ') continue;
        answer += ch;
        if (!secret) t.output.write(ch);
      }
    });
  });
}

/** Asks a yes/no question (the choices an age plugin names); true for the first. */
export async function confirmOnTerminal(prompt: string, yes: string, no: string): Promise<boolean> {
  const choices = no ? `[1] ${yes}, [2] ${no}` : `[1] ${yes}`;
  for (;;) {
    const a = (await askOnTerminal(`${prompt} ${choices}: `, false)).trim();
    if (a === '1' || a.toLowerCase() === yes.toLowerCase()) return true;
    if (no && (a === '2' || a.toLowerCase() === no.toLowerCase())) return false;
  }
}
