// Passphrases through gpg-agent, as sops 3.10 asks for the passphrase of an encrypted age identity file: when an
// agent answers on its socket, GET_PASSPHRASE with a cache id derived from the file (so a passphrase typed once is
// remembered by the agent, and shared with sops), its pinentry doing the asking; a wrong passphrase is cleared from
// the cache. The Assuan protocol is plain lines over a Unix socket. No agent means undefined, never an error:
// the caller then asks on the terminal.
import { execFile } from 'node:child_process';
import { createConnection, type Socket } from 'node:net';

/** The agent's socket, as gpgconf reports it for this GNUPGHOME; undefined without gpg. */
function socketPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('gpgconf', ['--list-dirs', 'agent-socket'], { env, timeout: 5000, encoding: 'utf8' }, (err, out) => { resolve(err ? undefined : out.trim() || undefined); },
    );
  });
}

/** Assuan's escaping of a command argument: %XX for '%', '+', controls; a space becomes '+'. */
function escapeArg(s: string): string {
  // eslint-disable-next-line no-control-regex -- Assuan escapes exactly the control characters
  return s.replace(/[%+\x00-\x1f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).replaceAll(' ', '+');
}

function unescapeData(s: string): string {
  return Buffer.from(s.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
}

/** One Assuan conversation: send a line, collect D lines until OK or ERR. */
class Assuan {
  private buf = '';
  private pending: ((line: string) => void)[] = [];
  private lines: string[] = [];
  private closed = false;

  constructor(private readonly sock: Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        const p = this.pending.shift();
        if (p) p(line);
        else this.lines.push(line);
      }
    });
    sock.on('close', () => {
      this.closed = true;
      for (const p of this.pending.splice(0)) p('ERR 0 connection closed');
    });
  }

  private line(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (this.closed) return Promise.resolve('ERR 0 connection closed');
    return new Promise((r) => this.pending.push(r));
  }

  /** The data and the final status of one command (or of the greeting when `cmd` is undefined). */
  async exchange(cmd?: string): Promise<{ ok: boolean; data: string; status: string }> {
    if (cmd !== undefined) this.sock.write(`${cmd}\n`);
    let data = '';
    for (;;) {
      const l = await this.line();
      if (l.startsWith('D ')) data += unescapeData(l.slice(2));
      else if (l.startsWith('INQUIRE ')) this.sock.write('END\n');
      else if (l === 'OK' || l.startsWith('OK ')) return { ok: true, data, status: l };
      else if (l.startsWith('ERR ')) return { ok: false, data, status: l.slice(4) };
      // S (status) and # (comment) lines carry nothing we need.
    }
  }

  end(): void {
    this.sock.end();
  }
}

async function connect(env: NodeJS.ProcessEnv): Promise<Assuan | undefined> {
  const path = await socketPath(env);
  if (!path) return undefined;
  const sock = await new Promise<Socket | undefined>((resolve) => {
    const s = createConnection(path);
    const t = setTimeout(() => {
      s.destroy();
      resolve(undefined);
    }, 3000);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('error', () => {
      clearTimeout(t);
      resolve(undefined);
    });
  });
  if (!sock) return undefined;
  const a = new Assuan(sock);
  const hello = await a.exchange();
  if (!hello.ok) {
    a.end();
    return undefined;
  }
  // Where pinentry should ask, when it has to.
  if (env.GPG_TTY) await a.exchange(`OPTION ttyname=${env.GPG_TTY}`);
  if (env.TERM) await a.exchange(`OPTION ttytype=${env.TERM}`);
  if (env.DISPLAY) await a.exchange(`OPTION display=${env.DISPLAY}`);
  return a;
}

export class AgentPassphraseError extends Error {}

/**
 * The passphrase for `cacheKey` from gpg-agent (its cache, else its pinentry), or undefined when no agent is
 * reachable. Throws when the agent answered with an error (cancelled, no pinentry).
 */
export async function agentPassphrase(env: NodeJS.ProcessEnv, cacheKey: string, desc: string): Promise<string | undefined> {
  const a = await connect(env);
  if (!a) return undefined;
  try {
    const r = await a.exchange(`GET_PASSPHRASE --data ${escapeArg(cacheKey)} X Passphrase ${escapeArg(desc)}`);
    if (!r.ok) throw new AgentPassphraseError(`gpg-agent passphrase request errored: ${r.status.replace(/^\d+\s*/, '')}`);
    return r.data;
  } finally {
    a.end();
  }
}

/** Forgets a cached passphrase that turned out wrong, so the next attempt asks again. */
export async function agentForget(env: NodeJS.ProcessEnv, cacheKey: string): Promise<void> {
  const a = await connect(env);
  if (!a) return;
  try {
    await a.exchange(`CLEAR_PASSPHRASE ${escapeArg(cacheKey)}`);
  } finally {
    a.end();
  }
}
