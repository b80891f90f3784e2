// `ref+echo://TEXT`: the reference's own text is the value (vals's echo provider), for tests and defaults.
// With a fragment, the path's segments nest: `ref+echo://a/b/c#/a/b` is `c`.
import { RefFetchError, type ParsedRef, type RefProvider } from './types.js';

export const provider: RefProvider = {
  async fetch(ref: ParsedRef): Promise<unknown> {
    if (ref.fragment === undefined || ref.fragment.replace(/^#?\/?/, '') === '') return ref.key.replace(/\/+$/, '');
    const keys = ref.key.split('/');
    if (keys.length < 2) throw new RefFetchError('malformed', 'an echo reference with a fragment needs two or more path segments');
    const root: Record<string, unknown> = {};
    let cur = root;
    for (let i = 0; i < keys.length - 1; i++) {
      if (i === keys.length - 2) cur[keys[i]] = keys[i + 1];
      else cur = cur[keys[i]] = {} as Record<string, unknown>;
    }
    return root;
  },
};
