// `ref+file://PATH`: a local file's content (vals's file provider). `ref+file://rel/x` is relative to the base
// directory (helm's working directory), `ref+file:///abs/x` absolute. `?encode=base64` gives the bytes in base64;
// with a fragment the file is read as YAML/JSON and the fragment selects in it. Only regular files are read
// (src/io.ts readInput): a device or FIFO named by a hostile values file cannot hang or flood the run.
import { resolve } from 'node:path';
import { SopsError } from '../errors.js';
import { readInput } from '../io.js';
import { fragmentPath, guardPath, refParam } from './parse.js';
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    const name = ref.key.replace(/\/$/, '');
    if (name === '') throw new RefFetchError('malformed', 'the file reference names no file');
    const docMode = fragmentPath(ref) !== '';
    const encode = refParam(ref, 'encode', ctx.env) ?? 'raw';
    if (!docMode && encode !== 'raw' && encode !== 'base64') {
      throw new RefFetchError('malformed', `unsupported encode parameter "${encode}" (raw or base64)`);
    }
    await guardPath(name, ctx);
    let bytes: Uint8Array;
    try {
      bytes = await readInput(resolve(ctx.baseDir, name));
    } catch (err) {
      const why = err instanceof SopsError ? err.message : String(err);
      if (/does not exist/.test(why)) throw new RefFetchError('not-found', `no such file ${name}`);
      if (/EACCES|EPERM/.test(why)) throw new RefFetchError('denied', `cannot read ${name}: permission denied`);
      throw new RefFetchError('failed', `cannot read ${name}: ${why}`);
    }
    if (!docMode && encode === 'base64') return Buffer.from(bytes).toString('base64');
    return Buffer.from(bytes).toString('utf8');
  },
};
