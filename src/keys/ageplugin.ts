// age plugins (age-plugin.md of the age project): recipients `age1NAME1...` and identities `AGE-PLUGIN-NAME-1...`
// whose wrapping and unwrapping happen in a separate program, `age-plugin-NAME`, found on PATH as age and sops find
// it. The client speaks the plugin protocol over the child's stdin/stdout: stanzas (`-> type args` and a base64
// body), phase 1 sends recipients or identities and the file key or the file's stanzas, phase 2 answers the
// plugin's requests (messages, secrets, confirmations) until it says `done`. Hardware plugins (yubikey, tpm,
// Secure Enclave) ask for a PIN or a touch there; those questions go to the terminal, never to a log.
// Both classes plug into age-encryption's Encrypter/Decrypter as a custom Recipient and Identity.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { tmpdir } from 'node:os';
import type { Identity, Recipient, Stanza } from 'age-encryption';
import { ageLibs } from './agelib.js';
import { base64NoPad } from './agefile.js';
import { printable } from '../errors.js';
import { askOnTerminal, confirmOnTerminal } from './prompt.js';

export { pluginOfIdentity, pluginOfRecipient } from './agepluginname.js';

/** What age prints when a plugin has been silent for a while (a token waiting for a touch). */
const WAIT_NOTICE_MS = 5000;

export class AgePluginError extends Error {}

// ---- the stanza codec ----

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64').replace(/=+$/, '');

function unb64(s: string): Buffer {
  try {
    return base64NoPad(s);
  } catch {
    throw new AgePluginError('malformed stanza body');
  }
}

interface Wire {
  type: string;
  args: string[];
  body: Buffer;
}

/** One stanza as the protocol writes it: the header line, then the body in 64-column lines ending short. */
function encode(type: string, args: string[] = [], body: Uint8Array = new Uint8Array()): string {
  const text = b64(body);
  const lines: string[] = [];
  for (let i = 0; i <= text.length; i += 64) lines.push(text.slice(i, i + 64));
  if (lines[lines.length - 1].length === 64) lines.push('');
  return `-> ${[type, ...args].join(' ')}\n${lines.join('\n')}\n`;
}

/** Reads stanzas from the plugin's stdout as they arrive. */
class StanzaReader {
  private buf = '';
  private waiting: (() => void) | undefined;
  private ended = false;

  constructor(stream: NodeJS.ReadableStream) {
    stream.setEncoding('latin1');
    stream.on('data', (d: string) => {
      this.buf += d;
      if (this.buf.length > 1 << 24) this.buf = ''; // a runaway plugin: nothing sane is this long
      this.wake();
    });
    stream.on('end', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  private async line(): Promise<string> {
    for (;;) {
      const nl = this.buf.indexOf('\n');
      if (nl >= 0) {
        const l = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        return l;
      }
      if (this.ended) throw new AgePluginError('the plugin stopped in the middle of the protocol');
      await new Promise<void>((r) => (this.waiting = r));
    }
  }

  async next(): Promise<Wire> {
    const head = await this.line();
    if (!head.startsWith('-> ')) throw new AgePluginError('malformed stanza from the plugin');
    const [type, ...args] = head.slice(3).split(' ');
    if (!type || args.some((a) => a === '')) throw new AgePluginError('malformed stanza from the plugin');
    let text = '';
    for (;;) {
      const l = await this.line();
      if (l.length > 64) throw new AgePluginError('malformed stanza body');
      text += l;
      if (l.length < 64) break;
    }
    return { type, args, body: unb64(text) };
  }
}

/** One conversation with `age-plugin-NAME --age-plugin=PROTOCOL`. */
class Connection {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly reader: StanzaReader;
  private failure: Error | undefined;

  constructor(
    readonly name: string,
    protocol: string,
    env: NodeJS.ProcessEnv,
  ) {
    // Plugins must not depend on the working directory: age runs them in an empty temporary one.
    this.child = spawn(`age-plugin-${name}`, [`--age-plugin=${protocol}`], { cwd: tmpdir(), env, stdio: 'pipe' });
    this.child.on('error', (e: NodeJS.ErrnoException) => {
      this.failure =
        e.code === 'ENOENT'
          ? new AgePluginError(`"${name}" plugin not found: age-plugin-${name} is not on PATH`)
          : new AgePluginError(`couldn't start plugin age-plugin-${name}: ${e.message}`);
      this.child.stdout.emit('end');
    });
    this.child.stdin.on('error', () => undefined); // a plugin that exits early: reported by the reader
    if (env.AGEDEBUG === 'plugin') this.child.stderr.pipe(process.stderr);
    else this.child.stderr.resume();
    this.reader = new StanzaReader(this.child.stdout);
  }

  send(type: string, args: string[] = [], body?: Uint8Array): void {
    this.child.stdin.write(encode(type, args, body));
  }

  async next(): Promise<Wire> {
    const notice = setTimeout(() => process.stderr.write(`age: waiting on ${this.name} plugin...\n`), WAIT_NOTICE_MS);
    try {
      return await this.reader.next();
    } catch (e) {
      throw this.failure ?? e;
    } finally {
      clearTimeout(notice);
    }
  }

  /** Answers the requests every phase 2 may contain; false for a stanza this client does not know. */
  async answer(s: Wire): Promise<boolean> {
    const text = printable(s.body.toString('utf8'));
    switch (s.type) {
      case 'msg':
        process.stderr.write(`age: ${this.name} plugin: ${text}\n`);
        this.send('ok');
        return true;
      case 'request-secret':
      case 'request-public': {
        const value = await askOnTerminal(`${text} `, s.type === 'request-secret').catch(() => undefined);
        if (value === undefined) this.send('fail');
        else this.send('ok', [], Buffer.from(value, 'utf8'));
        return true;
      }
      case 'confirm': {
        if (s.args.length !== 1 && s.args.length !== 2) throw new AgePluginError('malformed confirm stanza');
        const yes = unb64(s.args[0]).toString('utf8');
        const no = s.args[1] === undefined ? '' : unb64(s.args[1]).toString('utf8');
        const chose = await confirmOnTerminal(text, printable(yes), printable(no)).catch(() => undefined);
        if (chose === undefined) this.send('fail');
        else this.send('ok', [chose ? 'yes' : 'no']);
        return true;
      }
      default:
        return false;
    }
  }

  /**
   * Phase 2 until the plugin says `done`: `own` takes the commands of this state machine (and says whether it did),
   * an error the plugin reports ends the exchange, and the rest are the requests every phase 2 may hold.
   */
  async converse(own: (s: Wire) => boolean): Promise<void> {
    for (;;) {
      const s = await this.next();
      if (s.type === 'done') return;
      if (own(s)) continue;
      if (s.type === 'error') {
        this.send('ok');
        throw reported(this.name, s.body);
      }
      if (!(await this.answer(s))) this.send('unsupported');
    }
  }

  async close(): Promise<void> {
    this.child.stdin.end();
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((r) => this.child.once('close', () => { r(); }));
      this.child.kill('SIGINT');
      await exited;
    }
  }
}

/** The error a plugin reported, as age words it, kept to one printable line. */
function reported(name: string, body: Buffer): AgePluginError {
  return new AgePluginError(`${name} plugin: ${printable(body.toString('utf8')).replace(/\s+/g, ' ').trim()}`);
}

/** A recipient served by a plugin: `age1NAME1...`. */
export class PluginRecipient implements Recipient {
  constructor(
    readonly recipient: string,
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const { Stanza: StanzaOf } = (await ageLibs()).age;
    const conn = new Connection(this.name, 'recipient-v1', this.env);
    try {
      conn.send('add-recipient', [this.recipient]);
      conn.send('wrap-file-key', [], fileKey);
      conn.send('extension-labels');
      conn.send('done');
      const out: Stanza[] = [];
      await conn.converse((s) => {
        if (s.type === 'recipient-stanza') {
          if (s.args.length < 2 || s.args[0] !== '0') throw new AgePluginError(`${this.name} plugin: malformed recipient stanza`);
          out.push(new StanzaOf(s.args.slice(1), s.body));
        } else if (s.type !== 'labels') {
          return false;
        }
        conn.send('ok');
        return true;
      });
      if (out.length === 0) throw new AgePluginError(`${this.name} plugin: received zero recipient stanzas`);
      return out;
    } finally {
      await conn.close();
    }
  }
}

/** An identity served by a plugin: `AGE-PLUGIN-NAME-1...`. Returns null when the plugin has no key for the file. */
export class PluginIdentity implements Identity {
  constructor(
    private readonly identity: string,
    readonly name: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    const conn = new Connection(this.name, 'identity-v1', this.env);
    try {
      conn.send('add-identity', [this.identity]);
      for (const st of stanzas) conn.send('recipient-stanza', ['0', ...st.args], st.body);
      conn.send('done');
      let fileKey: Uint8Array | null = null;
      await conn.converse((s) => {
        if (s.type !== 'file-key') return false;
        if (s.args.length !== 1 || s.args[0] !== '0') throw new AgePluginError(`${this.name} plugin: malformed file-key stanza`);
        if (fileKey) throw new AgePluginError(`${this.name} plugin: received duplicated file-key stanza`);
        fileKey = s.body;
        conn.send('ok');
        return true;
      });
      return fileKey;
    } finally {
      await conn.close();
    }
  }
}
