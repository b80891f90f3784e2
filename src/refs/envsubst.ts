// `ref+envsubst://TEXT`: TEXT with environment variables substituted, as vals's envsubst provider does (the
// a8m/envsubst rules): `$NAME` and `${NAME}`, `${NAME-DEFAULT}` / `${NAME=DEFAULT}` when unset, `:-` / `:=` when
// unset or empty, `+` / `:+` giving the alternative when set; `$$` is a literal `$`. A default is text, or one
// `$NAME`. The environment is the run's (RefContext.env), never the process's own.
import { RefFetchError, type ParsedRef, type RefContext, type RefProvider } from './types.js';

const NAME_CHAR = /[_\p{L}\p{Nd}]/u;

function nameAt(s: string, i: number): string {
  let j = i;
  while (j < s.length) {
    const ch = String.fromCodePoint(s.codePointAt(j)!);
    if (!NAME_CHAR.test(ch)) break;
    j += ch.length;
  }
  return s.slice(i, j);
}

/** Substitutes `text` in `env`; throws on an unclosed `${`. */
export function envsubst(text: string, env: NodeJS.ProcessEnv): string {
  const get = (n: string) => env[n] ?? '';
  const isSet = (n: string) => env[n] !== undefined;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const d = text.indexOf('$', i);
    if (d < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, d);
    const next = text[d + 1];
    if (next === '$') {
      out += '$';
      i = d + 2;
      continue;
    }
    if (next === '{') {
      const name = nameAt(text, d + 2);
      if (name === '') {
        out += '${';
        i = d + 2;
        continue;
      }
      let j = d + 2 + name.length;
      const op = /^(:-|:=|:\+|-|=|\+)?/.exec(text.slice(j))![0];
      j += op.length;
      let close = j;
      while (close < text.length && text[close] !== '}' && text[close] !== '\n' && text[close] !== '\r') close++;
      if (close >= text.length || text[close] !== '}') throw new RefFetchError('malformed', 'envsubst: closing brace expected');
      const arg = text.slice(j, close);
      const argVar = /^\$([_\p{L}\p{Nd}]+)$/u.exec(arg)?.[1];
      const dflt = () => (argVar !== undefined ? get(argVar) : arg);
      let v: string;
      if (op === '' || arg === '') v = get(name);
      else if (op === ':-' || op === ':=') v = get(name) !== '' ? get(name) : dflt();
      else if (op === '+' || op === ':+') v = isSet(name) ? dflt() : '';
      else v = isSet(name) ? get(name) : dflt();
      out += v;
      i = close + 1;
      continue;
    }
    const name = next === undefined ? '' : nameAt(text, d + 1);
    if (name === '' || name === '_') {
      out += '$' + (name === '_' ? '_' : '');
      i = d + 1 + name.length;
      continue;
    }
    out += get(name);
    i = d + 1 + name.length;
  }
  return out;
}

export const provider: RefProvider = {
  async fetch(ref: ParsedRef, ctx: RefContext): Promise<unknown> {
    // vals substitutes in the provider key (host and path), without a trailing `/` and surrounding space.
    return envsubst(ref.key.replace(/\/$/, '').trim(), ctx.env);
  },
};
