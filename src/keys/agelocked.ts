// Passphrase-protected age identity files (sops 3.10): a keys file that is itself an age file encrypted with a
// passphrase (`age -p`, scrypt), plain or armored, in any place identities are read from. It is opened only when
// no plain identity opened the data key, and once per process. The passphrase comes from gpg-agent when one
// answers (with sops's cache id, so the agent's cache is shared with sops), else from the terminal; without either
// the file is refused with a message that says so. A wrong passphrase is cleared from the agent's cache.
import { createHash } from 'node:crypto';
import { base32 } from '@scure/base';
import { errorMessage } from '../errors.js';
import { dearmor, parseHeader } from './agefile.js';
import { ageLibs } from './agelib.js';
// gpg-agent (node:child_process, node:net) and the terminal prompt (node:tty) load only when a locked file is opened:
// a run with a plain key does not pay for those built-ins.
const agent = (): Promise<typeof import('./gpgagent.js')> => import('./gpgagent.js');
const prompt = (): Promise<typeof import('./prompt.js')> => import('./prompt.js');

/** An identity source whose text is encrypted: where it came from (for messages) and the binary age file. */
export interface LockedSource {
  source: string;
  contents: Buffer;
}

/** The age file inside a source's text, when the source is one: binary (`age-encryption.org/v1`) or armored. */
export function lockedContents(text: Buffer): Buffer | undefined {
  const head = text.subarray(0, 14).toString('latin1');
  if (head === 'age-encryption') return text;
  if (head === '-----BEGIN AGE') return dearmor(text.toString('latin1'));
  return undefined;
}

/** sops's gpg-agent cache id for an encrypted identity file: "SopsAge" and 25 bytes of its SHA-256 in base32. */
export function agentCacheKey(contents: Uint8Array): string {
  return `SopsAge${base32.encode(createHash('sha256').update(contents).digest().subarray(0, 25))}`;
}

const opened = new Map<string, Promise<string>>();

/** The identity file's text, decrypted with its passphrase (asked once per file and process). */
export function unlock(src: LockedSource, env: NodeJS.ProcessEnv): Promise<string> {
  const key = agentCacheKey(src.contents);
  let p = opened.get(key);
  if (!p) {
    p = open(src, key, env);
    opened.set(key, p);
    p.catch(() => opened.delete(key));
  }
  return p;
}

/** Forgets opened files (tests change the environment between cases). */
export function clearUnlocked(): void {
  opened.clear();
}

async function open(src: LockedSource, cacheKey: string, env: NodeJS.ProcessEnv): Promise<string> {
  const where = `the age identity file '${src.source}'`;
  let stanzas: string[];
  try {
    stanzas = parseHeader(src.contents).stanzas.map((s) => s.args[0] ?? '');
  } catch (err) {
    throw new Error(`${where} is not a valid age file: ${errorMessage(err)}`);
  }
  if (!stanzas.includes('scrypt')) throw new Error(`${where} is encrypted, but not with a passphrase`);
  if (stanzas.length !== 1) throw new Error(`${where}: an scrypt recipient must be the only one`);
  const desc = `Enter passphrase for identity '${src.source}':`;
  const pass = await passphrase(env, cacheKey, desc, where);
  const { Decrypter } = (await ageLibs()).age;
  const d = new Decrypter();
  d.addPassphrase(pass);
  try {
    return await d.decrypt(src.contents, 'text');
  } catch (err) {
    await (await agent()).agentForget(env, cacheKey).catch(() => undefined);
    if (/no identity matched/.test(errorMessage(err))) throw new Error(`incorrect passphrase for ${where}`);
    throw new Error(`failed to decrypt ${where}: ${errorMessage(err)}`);
  }
}

async function passphrase(env: NodeJS.ProcessEnv, cacheKey: string, desc: string, where: string): Promise<string> {
  let agentProblem: string | undefined;
  const { agentForget, agentPassphrase } = await agent();
  const { askOnTerminal, NoTerminalError } = await prompt();
  try {
    const p = await agentPassphrase(env, cacheKey, desc);
    if (p) return p;
    if (p === '') {
      await agentForget(env, cacheKey).catch(() => undefined);
      agentProblem = 'gpg-agent returned an empty passphrase';
    }
  } catch (err) {
    agentProblem = errorMessage(err);
  }
  try {
    return await askOnTerminal(`${desc} `, true);
  } catch (err) {
    if (!(err instanceof NoTerminalError)) throw new Error(`could not read the passphrase for ${where}: ${errorMessage(err)}`);
    const why = agentProblem ? `${agentProblem}, and there is no terminal to ask on` : 'there is no gpg-agent and no terminal to ask for it';
    throw new Error(`${where} is protected by a passphrase: ${why}`);
  }
}
