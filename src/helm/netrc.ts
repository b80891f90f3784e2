// Credentials for a host from a netrc file ($NETRC, else ~/.netrc), as curl reads it: `machine HOST login L
// password P` entries and a `default` entry, tokens separated by any white space, `macdef` bodies skipped. Only
// used when the URL carries no credentials of its own.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials {
  user: string;
  password: string;
}

/** Parses netrc text; `host` is matched case-insensitively, the first matching machine wins, else `default`. */
export function netrcLookup(text: string, host: string): Credentials | undefined {
  const lines = text.split(/\r?\n/);
  const tokens: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const words = lines[i].trim().split(/\s+/).filter(Boolean);
    const mac = words.indexOf('macdef');
    if (mac >= 0) {
      tokens.push(...words.slice(0, mac));
      // A macro runs to the next empty line.
      while (i + 1 < lines.length && lines[i + 1].trim() !== '') i++;
      continue;
    }
    tokens.push(...words);
  }
  let found: Credentials | undefined;
  let fallback: Credentials | undefined;
  let current: Partial<Credentials> | undefined;
  let currentIsDefault = false;
  let matching = false;
  const flush = () => {
    if (!current) return;
    const c = { user: current.user ?? '', password: current.password ?? '' };
    if (matching && !found) found = c;
    if (currentIsDefault && !fallback) fallback = c;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === 'machine' || t === 'default') {
      flush();
      current = {};
      currentIsDefault = t === 'default';
      matching = t === 'machine' && (tokens[i + 1] ?? '').toLowerCase() === host.toLowerCase();
      if (t === 'machine') i++;
    } else if (current && (t === 'login' || t === 'password' || t === 'account')) {
      const v = tokens[++i] ?? '';
      if (t === 'login') current.user = v;
      else if (t === 'password') current.password = v;
    }
  }
  flush();
  return found ?? fallback;
}

/** Credentials for `host` from $NETRC or ~/.netrc; none when the file is absent or unreadable. */
export function netrcCredentials(host: string, env: NodeJS.ProcessEnv): Credentials | undefined {
  const file = env.NETRC || join(env.HOME || homedir(), '.netrc');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  return netrcLookup(text, host);
}
