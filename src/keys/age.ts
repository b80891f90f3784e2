// The age master key: wraps a data key (or Shamir share) to an age recipient as armored text, and unwraps it with
// every identity sops would find (where those are looked for is ./ageidentity.ts).
import { errorMessage } from '../errors.js';
import type { Decrypter, Recipient } from 'age-encryption';
import { clearIdentitySources, identitiesInText, loadIdentities, loadSshIdentities, noIdentityAnywhere } from './ageidentity.js';
import { decryptX25519, dearmor, parseX25519Identity, type X25519Key } from './agefile.js';
import { clearUnlocked, unlock } from './agelocked.js';
import { ageLibs } from './agelib.js';
import type { KeyContext, KeyEntry, KeyOps, KeySpec } from './types.js';

// The age library (~20 ms to import) is loaded only to encrypt and for identities other than X25519;
// X25519 files, which is what sops writes for age1… recipients, are read by ./agefile.js with node:crypto.
const ageLib = async () => (await ageLibs()).age;

const NO_MATCH = "no identity matched any of the file's recipients";

export const ageKind: KeyOps = {
  async wrap(spec: KeySpec, part: Uint8Array, ctx: KeyContext): Promise<KeyEntry> {
    const recipient = String(spec.fields.recipient ?? '').trim();
    const { Encrypter, armor } = await ageLib();
    const e = new Encrypter();
    e.addRecipient(recipient.startsWith('ssh-') ? await (await import('./agessh.js')).parseSshRecipient(recipient) : await recipientFor(recipient, ctx.env));
    const enc = armor.encode(await readAll(await e.encrypt(asStream(part))));
    return { kind: spec.kind, fields: { enc, recipient } };
  },

  async unwrap(entry: KeyEntry, ctx: KeyContext): Promise<Uint8Array | null> {
    const recipient = String(entry.fields.recipient ?? '');
    const enc = entry.fields.enc;
    if (typeof enc !== 'string' || enc === '') throw new Error('the entry has no enc value');
    if (recipient.startsWith('ssh-')) return unwrapSsh(enc, recipient, ctx.env);
    const { identities, locked, problems } = await loadIdentities(ctx.env, recipient);
    if (identities.length === 0 && locked.length === 0) {
      if (problems.length === 0) throw new Error(noIdentityAnywhere(ctx.env));
      throw new Error(`failed to load age identities: ${problems.join('; ')}`);
    }
    const file = armored(enc);
    return opened(problems, async () => {
      const key = await withIdentities(identities, file, ctx.env);
      if (key) return key;
      // Identity files locked by a passphrase are opened only when no plain identity opened the file.
      for (const src of locked) {
        const inner = identitiesInText(src.source, await unlock(src, ctx.env));
        if (inner.problems.length > 0) throw new Error(inner.problems.join('; '));
        const k = await withIdentities(inner.identities, file, ctx.env);
        if (k) return k;
      }
      return null;
    });
  },
};

/**
 * The data key that one of `identities` opens, or null. X25519 keys are tried natively first; post-quantum and
 * plugin identities (AGE-PLUGIN-..., which start a plugin program) only when those did not open the file.
 */
async function withIdentities(identities: string[], file: Uint8Array, env: NodeJS.ProcessEnv): Promise<Uint8Array | null> {
  if (identities.length === 0) return null;
  const key = decryptX25519(file, x25519Keys(identities));
  if (key || !identities.some((id) => !id.startsWith('AGE-SECRET-KEY-1'))) return key;
  return libraryDecrypt(await decrypterFor(identities, env), file);
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
    throw new Error(`age decryption failed: ${errorMessage(err)}`);
  }
  if (key) return key;
  if (problems.length === 0) return null;
  throw new Error(`no matching identity (${problems.join('; ')})`);
}

function armored(enc: string): Uint8Array {
  try {
    return dearmor(enc);
  } catch (err) {
    throw new Error(`invalid age armor: ${errorMessage(err)}`);
  }
}

/** The library's decryption: the plaintext, or null when no identity matched. */
async function libraryDecrypt(d: Decrypter, file: Uint8Array): Promise<Uint8Array | null> {
  try {
    return await readAll(await d.decrypt(asStream(file)));
  } catch (err) {
    if (errorMessage(err) === NO_MATCH) return null;
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

function decrypterFor(identities: string[], env: NodeJS.ProcessEnv): Promise<Decrypter> {
  const k = identities.join('\n');
  let d = decrypters.get(k);
  if (!d) {
    d = Promise.all([ageLib(), import('./ageplugin.js')]).then(([lib, plugins]) => {
      const dec = new lib.Decrypter();
      for (const id of identities) {
        if (id.startsWith('AGE-SECRET-KEY-1')) continue;
        const plugin = plugins.pluginOfIdentity(id);
        dec.addIdentity(plugin ? new plugins.PluginIdentity(id, plugin, env) : id);
      }
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
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * What to encrypt to: the recipient string for the kinds the age library knows (X25519, post-quantum, tag), a
 * plugin recipient for `age1NAME1...` (wrapping runs `age-plugin-NAME`).
 */
async function recipientFor(recipient: string, env: NodeJS.ProcessEnv): Promise<string | Recipient> {
  if (!recipient.startsWith('age1')) throw new Error(`unknown age recipient type: "${recipient}"`);
  if (/^age1(pq|tag|tagpq)1/.test(recipient) || !recipient.slice(4).includes('1')) return recipient;
  const { pluginOfRecipient, PluginRecipient } = await import('./ageplugin.js');
  const name = pluginOfRecipient(recipient);
  if (!name) throw new Error(`failed to parse input as age key from age plugin: "${recipient}"`);
  return new PluginRecipient(recipient, name, env);
}

/** Forgets loaded identities and the keys parsed from them (tests change the environment between cases). */
export function clearAgeIdentityCache(): void {
  clearIdentitySources();
  clearUnlocked();
  decrypters.clear();
  x25519Cache.clear();
}
