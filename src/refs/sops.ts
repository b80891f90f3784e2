// `ref+sops://PATH[?format=yaml|json|dotenv|ini|binary][#/KEY/PATH]`: a sops-encrypted file decrypted by this
// project's own engine (src/engine.ts), as vals's sops provider does: without a fragment the whole plaintext in the
// file's format (or `format`), with one the file read as YAML (or `format`) and the fragment selecting in it.
// `key_type=base64` takes the encrypted file itself, URL-safe base64, as the path. The plaintext stays in memory.
import { resolve } from 'node:path';
import { decryptBytes } from '../engine.js';
import { ExitCode, SopsError } from '../errors.js';
import { readInput } from '../io.js';
import { fragmentPath, guardPath, refParam } from './parse.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';

const FORMATS = new Set(['yaml', 'json', 'dotenv', 'ini', 'binary']);

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const docMode = fragmentPath(ref) !== '';
    const keyType = refParam(ref, 'key_type', ctx.env) ?? 'filepath';
    const formatParam = refParam(ref, 'format', ctx.env);
    if (formatParam !== undefined && !FORMATS.has(formatParam)) {
      throw new RefFetchError('malformed', `unsupported format "${formatParam}" (yaml, json, dotenv, ini or binary)`);
    }
    const format = formatParam ?? (docMode ? 'yaml' : undefined);
    let bytes: Uint8Array;
    let name: string;
    if (keyType === 'base64') {
      const b64 = ref.key.replace(/\/$/, '');
      if (!/^[A-Za-z0-9_=-]*$/.test(b64)) throw new RefFetchError('malformed', 'key_type=base64 needs URL-safe base64 after sops://');
      bytes = new Uint8Array(Buffer.from(b64, 'base64url'));
      name = 'inline sops document';
    } else if (keyType === 'filepath') {
      name = ref.key;
      if (name === '') throw new RefFetchError('malformed', 'the sops reference names no file');
      await guardPath(name, ctx);
      try {
        bytes = await readInput(resolve(ctx.baseDir, name));
      } catch (err) {
        const why = err instanceof SopsError ? err.message : String(err);
        if (/does not exist/.test(why)) throw new RefFetchError('not-found', `no such file ${name}`);
        throw new RefFetchError('failed', `cannot read ${name}: ${why}`);
      }
    } else {
      throw new RefFetchError('malformed', `unsupported key type "${keyType}" (base64 or filepath)`);
    }
    const type = format ?? (keyType === 'base64' ? 'binary' : undefined);
    try {
      const plain = await decryptBytes(bytes, keyType === 'base64' ? 'inline' : resolve(ctx.baseDir, name), {
        env: ctx.env,
        inputType: type,
        outputType: type,
        keyTimeoutMs: ctx.timeoutMs,
        keyAttempts: ctx.attempts,
      });
      return Buffer.from(plain).toString('utf8');
    } catch (err) {
      const e = err instanceof SopsError ? err : new SopsError(String(err));
      // The engine's words (no key, MAC mismatch, not encrypted), without the file name it prefixes.
      throw new RefFetchError(e.code === ExitCode.CouldNotRetrieveKey ? 'denied' : 'failed', `cannot decrypt ${name}: ${e.message}`);
    }
  },
};
