// Where the age key kind finds identities, the places sops looks: SOPS_AGE_KEY, SOPS_AGE_KEY_FILE, the output of
// SOPS_AGE_KEY_CMD (run with SOPS_AGE_RECIPIENT), the user's keys.txt; for an SSH recipient
// SOPS_AGE_SSH_PRIVATE_KEY_FILE, the output of SOPS_AGE_SSH_PRIVATE_KEY_CMD, ~/.ssh/id_ed25519 and ~/.ssh/id_rsa.
// Each source is read once per distinct setting and process. Identities are secret: kept in memory only, never in
// a message (a problem names its source and a short cause).
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Identity } from 'age-encryption';
import { errorMessage } from '../errors.js';
import { shellWords } from '../shellwords.js';
import { isWellFormedIdentity } from './agefile.js';
import { lockedContents, type LockedSource } from './agelocked.js';
import { pluginOfIdentity } from './agepluginname.js';
import { readKeyFile } from './keyfile.js';

/**
 * What the environment yields: identity strings (secret, kept in memory only: native keys and AGE-PLUGIN-...
 * identities), identity files still locked by a passphrase (opened only if needed), and why some sources failed.
 */
export interface IdentitySet {
  identities: string[];
  locked: LockedSource[];
  problems: string[];
}

/** The same for SSH private keys, parsed. */
export interface SshIdentitySet {
  identities: Identity[];
  problems: string[];
}

/**
 * No identity in any place sops looks: not the same as a wrong key, so the message lists those places, as sops's
 * "Did not find keys in locations ..." does, and what to set.
 */
export function noIdentityAnywhere(env: NodeJS.ProcessEnv): string {
  const places = ['SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE', 'SOPS_AGE_KEY_CMD'].map((v) => (env[v] === undefined ? `${v} (not set)` : `${v} (no key)`));
  const file = defaultKeysFile(env);
  if (file) places.push(`'${file}'`);
  return `no age identity found: did not find keys in ${places.join(', ')}`;
}

// Static sources are read once per distinct setting; the command runs once per recipient
// because sops passes it SOPS_AGE_RECIPIENT.
const staticCache = new Map<string, Promise<IdentitySet>>();
const cmdCache = new Map<string, Promise<IdentitySet>>();

/** Forgets the identities read so far (tests change the environment between cases). */
export function clearIdentitySources(): void {
  staticCache.clear();
  cmdCache.clear();
  sshCache.clear();
}

/** The age identity strings for `recipient` from every source sops reads, and why some sources failed. */
export async function loadIdentities(env: NodeJS.ProcessEnv, recipient: string): Promise<IdentitySet> {
  const keysFile = defaultKeysFile(env);
  const skey = JSON.stringify([
    env.SOPS_AGE_KEY ?? null,
    env.SOPS_AGE_KEY_FILE ?? null,
    keysFile,
  ]);
  let s = staticCache.get(skey);
  if (!s) {
    s = loadStatic(env, keysFile);
    staticCache.set(skey, s);
  }
  const parts = [await s];
  const cmd = env.SOPS_AGE_KEY_CMD;
  if (cmd !== undefined) {
    const ckey = JSON.stringify([cmd, recipient]);
    let c = cmdCache.get(ckey);
    if (!c) {
      c = loadFromCommand(cmd, env, recipient);
      cmdCache.set(ckey, c);
    }
    parts.push(await c);
  }
  return {
    identities: parts.flatMap((p) => p.identities),
    locked: parts.flatMap((p) => p.locked),
    problems: parts.flatMap((p) => p.problems),
  };
}

async function loadStatic(env: NodeJS.ProcessEnv, keysFile: string | undefined): Promise<IdentitySet> {
  const out: IdentitySet = { identities: [], locked: [], problems: [] };
  if (env.SOPS_AGE_KEY !== undefined) collect(out, 'SOPS_AGE_KEY', Buffer.from(env.SOPS_AGE_KEY, 'utf8'), true);
  if (env.SOPS_AGE_KEY_FILE !== undefined) {
    try {
      collect(out, 'SOPS_AGE_KEY_FILE', await readKeyFile(env.SOPS_AGE_KEY_FILE), false);
    } catch (err) {
      out.problems.push(`failed to open SOPS_AGE_KEY_FILE file: ${codeOf(err)}`);
    }
  }
  if (keysFile) {
    try {
      collect(out, keysFile, await readKeyFile(keysFile), false);
    } catch (err) {
      // A missing default file is normal; anything else (permissions) is worth reporting.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(`failed to open ${keysFile}: ${codeOf(err)}`);
    }
  }
  return out;
}

// SSH identities, as sops 3.10 finds them: SOPS_AGE_SSH_PRIVATE_KEY_FILE, the output of
// SOPS_AGE_SSH_PRIVATE_KEY_CMD (run with SOPS_AGE_RECIPIENT set), and only when neither is set
// ~/.ssh/id_ed25519 and ~/.ssh/id_rsa. Loaded only for SSH recipients: they cannot open any other stanza.
const sshCache = new Map<string, Promise<SshIdentitySet>>();

/** The SSH identities for an SSH `recipient`, parsed, and why some sources failed. */
export function loadSshIdentities(env: NodeJS.ProcessEnv, recipient: string): Promise<SshIdentitySet> {
  const home = env.HOME || homedir();
  const k = JSON.stringify([env.SOPS_AGE_SSH_PRIVATE_KEY_FILE ?? null, env.SOPS_AGE_SSH_PRIVATE_KEY_CMD ?? null, recipient, home]);
  let p = sshCache.get(k);
  if (!p) {
    p = readSshIdentities(env, recipient, home);
    sshCache.set(k, p);
  }
  return p;
}

async function readSshIdentities(env: NodeJS.ProcessEnv, recipient: string, home: string): Promise<SshIdentitySet> {
  const { parseSshIdentity } = await import('./agessh.js');
  const out: SshIdentitySet = { identities: [], problems: [] };
  // Keys read from files may be protected by a passphrase, asked on the terminal when a file needs that key (as
  // sops does); a key printed by SOPS_AGE_SSH_PRIVATE_KEY_CMD may not (sops refuses it too).
  const add = async (source: string, text: string, fromFile: boolean) => {
    try {
      const ask = fromFile ? () => askPassphrase(source) : undefined;
      const pub = fromFile && /Proc-Type:.*ENCRYPTED/.test(text) ? await readKeyFile(`${source}.pub`).then(String, () => undefined) : undefined;
      out.identities.push(await parseSshIdentity(text, ask, pub));
    } catch (err) {
      out.problems.push(`${source}: ${errorMessage(err)}`);
    }
  };
  const file = env.SOPS_AGE_SSH_PRIVATE_KEY_FILE;
  const cmd = env.SOPS_AGE_SSH_PRIVATE_KEY_CMD;
  if (file !== undefined) {
    try {
      await add(file, (await readKeyFile(file)).toString('utf8'), true);
    } catch (err) {
      out.problems.push(`failed to open SOPS_AGE_SSH_PRIVATE_KEY_FILE file: ${codeOf(err)}`);
    }
  }
  if (cmd !== undefined) {
    const argv = shellWords(cmd);
    if (!argv || argv.length === 0) out.problems.push(`failed to parse command ${cmd}`);
    else {
      try {
        await add('SOPS_AGE_SSH_PRIVATE_KEY_CMD', await runForText(argv, { ...env, SOPS_AGE_RECIPIENT: recipient }), false);
      } catch (err) {
        out.problems.push(`failed to execute command ${cmd}: ${codeOf(err)}`);
      }
    }
  }
  if (file === undefined && cmd === undefined) {
    for (const name of ['id_ed25519', 'id_rsa']) {
      const path = join(home, '.ssh', name);
      let text: string;
      try {
        text = (await readKeyFile(path)).toString('utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') out.problems.push(`failed to open ${path}: ${codeOf(err)}`);
        continue;
      }
      await add(path, text, true);
    }
  }
  return out;
}

/** The passphrase of a protected SSH key, from the terminal, with sops's prompt and error wording. */
async function askPassphrase(path: string): Promise<string> {
  const { askOnTerminal } = await import('./prompt.js');
  try {
    return await askOnTerminal(`Enter passphrase for "${path}": `, true);
  } catch (err) {
    throw new Error(`could not read passphrase for "${path}": ${errorMessage(err)}`);
  }
}

// node:child_process only when a key command is configured: most runs read a key file.
async function runForText(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise<string>((resolve, reject) => {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's error is an Error (ExecFileException)
    execFile(argv[0], argv.slice(1), { env, maxBuffer: 1 << 20, encoding: 'utf8' }, (err, so) => { if (err) reject(err); else resolve(so); });
  });
}

async function loadFromCommand(cmd: string, env: NodeJS.ProcessEnv, recipient: string): Promise<IdentitySet> {
  const out: IdentitySet = { identities: [], locked: [], problems: [] };
  const argv = shellWords(cmd);
  if (!argv || argv.length === 0) {
    out.problems.push(`failed to parse command ${cmd}`);
    return out;
  }
  try {
    const stdout = await runForText(argv, { ...env, SOPS_AGE_RECIPIENT: recipient });
    collect(out, 'SOPS_AGE_KEY_CMD', Buffer.from(stdout, 'utf8'), false);
  } catch (err) {
    out.problems.push(`failed to execute command ${cmd}: ${codeOf(err)}`);
  }
  return out;
}

/**
 * Adds the identities of a key source: an age file encrypted with a passphrase is kept locked for later;
 * otherwise one identity per line (or per word for SOPS_AGE_KEY), skipping empty lines and '#' comments.
 * A bad line fails its whole source, as in sops.
 */
function collect(out: IdentitySet, source: string, bytes: Buffer, wordsPerLine: boolean): void {
  let contents: Buffer | undefined;
  try {
    contents = lockedContents(bytes);
  } catch (err) {
    out.problems.push(`${source}: not a valid armored age file (${errorMessage(err)})`);
    return;
  }
  if (contents) {
    out.locked.push({ source, contents });
    return;
  }
  collectText(out, source, bytes.toString('utf8'), wordsPerLine);
}

/** The identities of a decrypted identity file, in the same rules. */
export function identitiesInText(source: string, text: string): IdentitySet {
  const out: IdentitySet = { identities: [], locked: [], problems: [] };
  collectText(out, source, text, false);
  return out;
}

function collectText(out: IdentitySet, source: string, text: string, wordsPerLine: boolean): void {
  const found: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith('#')) continue;
    for (const word of wordsPerLine ? line.split(/\s+/).filter(Boolean) : [line]) {
      const problem = identityProblem(word);
      if (problem) {
        out.problems.push(`${source}: ${problem}`);
        return;
      }
      found.push(word);
    }
  }
  out.identities.push(...found);
}

function identityProblem(s: string): string | undefined {
  if (s.startsWith('AGE-PLUGIN-')) return pluginOfIdentity(s) ? undefined : 'malformed plugin identity';
  if (!s.startsWith('AGE-SECRET-KEY-1') && !s.startsWith('AGE-SECRET-KEY-PQ-1')) return 'unknown identity type';
  return isWellFormedIdentity(s) ? undefined : 'malformed identity';
}

/** `<UserConfigDir>/sops/age/keys.txt` the way sops resolves it per platform. */
export function defaultKeysFile(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): string | undefined {
  const home = env.HOME || homedir();
  let dir: string | undefined;
  if (platform === 'win32') dir = env.APPDATA || undefined;
  else if (platform === 'darwin') dir = env.XDG_CONFIG_HOME || (home ? join(home, 'Library', 'Application Support') : undefined);
  else dir = env.XDG_CONFIG_HOME || (home ? join(home, '.config') : undefined);
  return dir ? join(dir, 'sops', 'age', 'keys.txt') : undefined;
}

/** A short cause without echoing file contents: the errno code or the first line of the message. */
function codeOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? e.code : errorMessage(err).split('\n')[0];
}
