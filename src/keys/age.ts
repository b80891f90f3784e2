// The age master key: wraps a data key (or Shamir share) to an age recipient as armored text,
// and unwraps it with every identity sops would find (SOPS_AGE_KEY, _FILE, _CMD, the keys.txt file; for an SSH
// recipient SOPS_AGE_SSH_PRIVATE_KEY_FILE, _CMD, ~/.ssh/id_ed25519, ~/.ssh/id_rsa).
import { errorMessage } from '../errors.js';
import { readKeyFile } from './keyfile.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Decrypter, Identity } from 'age-encryption';
import { decryptX25519, dearmor, isWellFormedIdentity, parseX25519Identity, type X25519Key } from './agefile.js';
import type { KeyContext, KeyEntry, KeyFields, KeyKind, KeySpec } from './types.js';
import { shellWords } from '../shellwords.js';

export { shellWords };

// The age library (~20 ms to import) is loaded only to encrypt and for identities other than X25519;
// X25519 files, which is what sops writes for age1… recipients, are read by ./agefile.js with node:crypto.
const ageLib = () => import('age-encryption');

/** What the environment yields: identity strings (secret, kept in memory only) and why some sources failed. */
interface IdentitySet {
  identities: string[];
  problems: string[];
}

/** The same for SSH private keys, parsed. */
interface SshIdentitySet {
  identities: Identity[];
  problems: string[];
}

const NO_MATCH = "no identity matched any of the file's recipients";

export const ageKind: KeyKind = {
  field: 'age',
  id: 'age',
  entryFields: ['enc', 'recipient'],

  describe(fields: KeyFields): string {
    return String(fields.recipient ?? '');
  },

  async wrap(spec: KeySpec, part: Uint8Array, _ctx: KeyContext): Promise<KeyEntry> {
    const recipient = String(spec.fields.recipient ?? '').trim();
    const { Encrypter, armor } = await ageLib();
    const e = new Encrypter();
    e.addRecipient(recipient.startsWith('ssh-') ? (await import('./agessh.js')).parseSshRecipient(recipient) : checkRecipient(recipient));
    const enc = armor.encode(await readAll(await e.encrypt(asStream(part))));
    return { kind: 'age', fields: { enc, recipient } };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const recipient = String(entry.fields.recipient ?? '');
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    if (recipient.startsWith('ssh-')) return unwrapSsh(enc, recipient, ctx.env);
    const { identities, problems } = await loadIdentities(ctx.env, recipient);
    if (identities.length === 0) {
      if (problems.length === 0) throw new Error(noIdentityAnywhere(ctx.env));
      throw new Error(`failed to load age identities: ${problems.join('; ')}`);
    }
    const file = armored(enc);
    return opened(problems, async () => {
      const key = decryptX25519(file, x25519Keys(identities));
      // Post-quantum identities are the library's: asked only when no X25519 identity opened the file.
      if (key || !identities.some((id) => !id.startsWith('AGE-SECRET-KEY-1'))) return key;
      return libraryDecrypt(await decrypterFor(identities), file);
    });
  },
};

/**
 * No identity in any place sops looks: not the same as a wrong key, so the message lists those places, as sops's
 * "Did not find keys in locations ..." does, and what to set.
 */
function noIdentityAnywhere(env: NodeJS.ProcessEnv): string {
  const places = ['SOPS_AGE_KEY', 'SOPS_AGE_KEY_FILE', 'SOPS_AGE_KEY_CMD'].map((v) => (env[v] === undefined ? `${v} (not set)` : `${v} (no key)`));
  const file = defaultKeysFile(env);
  if (file) places.push(`'${file}'`);
  return `no age identity found: did not find keys in ${places.join(', ')}`;
}

/**
 * The data key `open` finds; null when no identity matched and every identity source loaded, else an error that
 * names the sources that failed (one of them may have held the key). A malformed file is an error either way.
 */
async function opened(problems: string[], open: () => Promise<Uint8Array | null>): Promise<Uint8Array | null> {
  let key: Uint8Array | null;
  try {
    key = await open();
  } catch (err) {
    throw new Error(`age decryption failed: ${messageOf(err)}`);
  }
  if (key) return key;
  if (problems.length === 0) return null;
  throw new Error(`no matching identity (${problems.join('; ')})`);
}

function armored(enc: string): Uint8Array {
  try {
    return dearmor(enc);
  } catch (err) {
    throw new Error(`invalid age armor: ${messageOf(err)}`);
  }
}

/** The library's decryption: the plaintext, or null when no identity matched. */
async function libraryDecrypt(d: Decrypter, file: Uint8Array): Promise<Uint8Array | null> {
  try {
    return await readAll(await d.decrypt(asStream(file)));
  } catch (err) {
    if (messageOf(err) === NO_MATCH) return null;
    throw err;
  }
}

async function unwrapSsh(enc: string, recipient: string, env: NodeJS.ProcessEnv): Promise<Uint8Array | null> {
  const { identities, problems } = await loadSshIdentities(env, recipient);
  if (identities.length === 0) {
    if (problems.length === 0) return null;
    throw new Error(`failed to load age SSH identities: ${problems.join('; ')}`);
  }
  const d = new (await ageLib()).Decrypter();
  for (const id of identities) d.addIdentity(id);
  const file = armored(enc);
  return opened(problems, () => libraryDecrypt(d, file));
}

// X25519 identities parsed once per process into OpenSSL keys: a helm command with many values files pays that once.
const x25519Cache = new Map<string, X25519Key | undefined>();

function x25519Keys(identities: string[]): X25519Key[] {
  const out: X25519Key[] = [];
  for (const id of identities) {
    if (!x25519Cache.has(id)) x25519Cache.set(id, parseX25519Identity(id));
    const k = x25519Cache.get(id);
    if (k) out.push(k);
  }
  return out;
}

// One library Decrypter per identity set and process, for the identities ./agefile.js does not read (post-quantum).
const decrypters = new Map<string, Promise<Decrypter>>();

function decrypterFor(identities: string[]): Promise<Decrypter> {
  const k = identities.join('\n');
  let d = decrypters.get(k);
  if (!d) {
    d = ageLib().then((lib) => {
      const dec = new lib.Decrypter();
      for (const id of identities) if (!id.startsWith('AGE-SECRET-KEY-1')) dec.addIdentity(id);
      return dec;
    });
    decrypters.set(k, d);
  }
  return d;
}

// Given a Uint8Array, the library collects its output with `new Response(stream)`, which loads undici (~30 ms);
// given a stream it returns one, read here with a plain reader.
function asStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
}

async function readAll(s: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = s.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.length;
  }
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Recipient kinds the age library can encrypt to; the others fail here with a message naming the kind. */
function checkRecipient(recipient: string): string {
  if (!recipient.startsWith('age1')) throw new Error(`unknown age recipient type: "${recipient}"`);
  if (!recipient.startsWith('age1pq1') && recipient.slice(4).includes('1')) {
    throw new Error(`age plugin recipients are not supported: "${recipient}"`);
  }
  return recipient;
}

// Static sources are read once per distinct setting; the command runs once per recipient
// because sops passes it SOPS_AGE_RECIPIENT.
const staticCache = new Map<string, Promise<IdentitySet>>();
const cmdCache = new Map<string, Promise<IdentitySet>>();

/** Forgets loaded identities (tests change the environment between cases). */
export function clearAgeIdentityCache(): void {
  staticCache.clear();
  cmdCache.clear();
  sshCache.clear();
  decrypters.clear();
  x25519Cache.clear();
}

async function loadIdentities(env: NodeJS.ProcessEnv, recipient: string): Promise<IdentitySet> {
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
    problems: parts.flatMap((p) => p.problems),
  };
}

async function loadStatic(env: NodeJS.ProcessEnv, keysFile: string | undefined): Promise<IdentitySet> {
  const out: IdentitySet = { identities: [], problems: [] };
  if (env.SOPS_AGE_KEY !== undefined) collect(out, 'SOPS_AGE_KEY', env.SOPS_AGE_KEY, true);
  if (env.SOPS_AGE_KEY_FILE !== undefined) {
    try {
      collect(out, 'SOPS_AGE_KEY_FILE', (await readKeyFile(env.SOPS_AGE_KEY_FILE)).toString('utf8'), false);
    } catch (err) {
      out.problems.push(`failed to open SOPS_AGE_KEY_FILE file: ${codeOf(err)}`);
    }
  }
  if (keysFile) {
    try {
      collect(out, keysFile, (await readKeyFile(keysFile)).toString('utf8'), false);
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

function loadSshIdentities(env: NodeJS.ProcessEnv, recipient: string): Promise<SshIdentitySet> {
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
  const add = (source: string, text: string) => {
    try {
      out.identities.push(parseSshIdentity(text));
    } catch (err) {
      out.problems.push(`${source}: ${messageOf(err)}`);
    }
  };
  const file = env.SOPS_AGE_SSH_PRIVATE_KEY_FILE;
  const cmd = env.SOPS_AGE_SSH_PRIVATE_KEY_CMD;
  if (file !== undefined) {
    try {
      add(file, (await readKeyFile(file)).toString('utf8'));
    } catch (err) {
      out.problems.push(`failed to open SOPS_AGE_SSH_PRIVATE_KEY_FILE file: ${codeOf(err)}`);
    }
  }
  if (cmd !== undefined) {
    const argv = shellWords(cmd);
    if (!argv || argv.length === 0) out.problems.push(`failed to parse command ${cmd}`);
    else {
      try {
        add('SOPS_AGE_SSH_PRIVATE_KEY_CMD', await runForText(argv, { ...env, SOPS_AGE_RECIPIENT: recipient }));
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
      add(path, text);
    }
  }
  return out;
}

// node:child_process only when a key command is configured: most runs read a key file.
async function runForText(argv: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { execFile } = await import('node:child_process');
  return new Promise<string>((resolve, reject) => {
    execFile(argv[0]!, argv.slice(1), { env, maxBuffer: 1 << 20, encoding: 'utf8' }, (err, so) => (err ? reject(err) : resolve(so)));
  });
}

async function loadFromCommand(cmd: string, env: NodeJS.ProcessEnv, recipient: string): Promise<IdentitySet> {
  const out: IdentitySet = { identities: [], problems: [] };
  const argv = shellWords(cmd);
  if (!argv || argv.length === 0) {
    out.problems.push(`failed to parse command ${cmd}`);
    return out;
  }
  try {
    const stdout = await runForText(argv, { ...env, SOPS_AGE_RECIPIENT: recipient });
    collect(out, 'SOPS_AGE_KEY_CMD', stdout, false);
  } catch (err) {
    out.problems.push(`failed to execute command ${cmd}: ${codeOf(err)}`);
  }
  return out;
}

/**
 * Adds the identities of a key file's text: one per line (or per word for SOPS_AGE_KEY),
 * skipping empty lines and '#' comments. A bad line fails its whole source, as in sops.
 */
function collect(out: IdentitySet, source: string, text: string, wordsPerLine: boolean): void {
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
  if (s.startsWith('AGE-PLUGIN-')) return 'age plugin identities are not supported';
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

function messageOf(err: unknown): string {
  return errorMessage(err);
}

/** A short cause without echoing file contents: the errno code or the first line of the message. */
function codeOf(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? String(e.code) : messageOf(err).split('\n')[0]!;
}
