// Which proxy a request goes through, as curl and Go decide it from the environment: http_proxy / HTTP_PROXY for
// http URLs, https_proxy / HTTPS_PROXY for https (lower case first), ALL_PROXY as the fallback, and no proxy for
// hosts that NO_PROXY / no_proxy lists (`*`, exact names, domain suffixes with or without a leading dot, IP
// addresses, IPv4 CIDR ranges, each optionally with `:port`).
import { isIP } from 'node:net';

function first(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined && v !== '') return v;
  }
  return undefined;
}

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((acc, part) => (acc << 8) + Number(part), 0) >>> 0;
}

/** Whether NO_PROXY's list exempts `host` (lower-case, IPv6 without brackets) on `port`. */
export function noProxyMatches(list: string, host: string, port: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of list.split(',')) {
    let entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
    if (bracket) {
      entry = bracket[1]!;
      entryPort = bracket[2];
    } else if (/^[^:]+:\d+$/.test(entry)) {
      entryPort = entry.slice(entry.lastIndexOf(':') + 1);
      entry = entry.slice(0, entry.lastIndexOf(':'));
    }
    if (entryPort !== undefined && entryPort !== port) continue;
    const cidr = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(entry);
    if (cidr) {
      if (isIP(h) !== 4) continue;
      const bits = Number(cidr[2]);
      const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
      if ((ipv4ToInt(h) & mask) === (ipv4ToInt(cidr[1]) & mask)) return true;
      continue;
    }
    if (isIP(entry) || isIP(h)) {
      if (entry === h) return true;
      continue;
    }
    const domain = entry.replace(/^\*?\./, '').replace(/\.$/, '');
    if (h === domain || h.endsWith('.' + domain)) return true;
  }
  return false;
}

/** The proxy URL for a request to `url`, or undefined for a direct connection. */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): URL | undefined {
  const https = url.protocol === 'https:';
  const raw = https ? first(env, 'https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY') : first(env, 'http_proxy', 'HTTP_PROXY', 'all_proxy', 'ALL_PROXY');
  if (!raw) return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port || (https ? '443' : '80');
  const no = first(env, 'no_proxy', 'NO_PROXY');
  if (no && noProxyMatches(no, host, port)) return undefined;
  // curl and Go take a bare host:port as an http proxy.
  return new URL(/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(raw) ? raw : `http://${raw}`);
}
