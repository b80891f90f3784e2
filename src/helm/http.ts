// Downloads an http(s) values URL as helm-secrets users have it with curl: credentials in the URL (basic auth) or
// from netrc, http_proxy / https_proxy / no_proxy (an https URL through a proxy goes in a CONNECT tunnel), a CA
// bundle (helm's --ca-file, else SSL_CERT_FILE), a client certificate (--cert-file / --key-file),
// --insecure-skip-tls-verify, redirects (credentials are dropped when one leaves the host), one deadline for the
// whole download (HELM_SECRETS_HTTP_TIMEOUT seconds, default 60), and the path and query sent as written.
// Failures are HttpFailure with a short cause that never contains the URL: callers name the URL, redacted.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { netrcCredentials, type Credentials } from './netrc.js';
import { proxyFor } from './proxy.js';

/** TLS material helm hands to getters (certFile keyFile caFile) or that the helm command line names. */
export interface TlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  insecure?: boolean;
}

export class HttpFailure extends Error {
  constructor(
    readonly reason: string,
    readonly status?: number,
  ) {
    super(reason);
  }
}

const MAX_REDIRECTS = 10;
const MAX_BYTES = 64 * 1024 * 1024;

interface Target {
  url: URL;
  /** Path and query exactly as written (only bytes HTTP cannot carry are percent-encoded). */
  path: string;
  credentials?: Credentials;
}

function target(written: string, env: NodeJS.ProcessEnv): Target {
  const m = /^(https?):\/\/([^/?#]*)([^#]*)/i.exec(written);
  if (!m) throw new HttpFailure('not an http(s) URL');
  const authority = m[2];
  const at = authority.lastIndexOf('@');
  const hostPart = at < 0 ? authority : authority.slice(at + 1);
  let url: URL;
  try {
    url = new URL(`${m[1].toLowerCase()}://${hostPart}/`);
  } catch {
    throw new HttpFailure('invalid host in URL');
  }
  let credentials: Credentials | undefined;
  if (at >= 0) {
    const info = authority.slice(0, at);
    const colon = info.indexOf(':');
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    };
    credentials = { user: dec(colon < 0 ? info : info.slice(0, colon)), password: colon < 0 ? '' : dec(info.slice(colon + 1)) };
  } else {
    credentials = netrcCredentials(url.hostname, env);
  }
  let path = m[3] || '/';
  if (path.startsWith('?')) path = '/' + path;
  path = path.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
  return { url, path, credentials };
}

function basic(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.user}:${c.password}`, 'utf8').toString('base64');
}

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new HttpFailure(`cannot read the ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function tlsOptions(tlsFiles: TlsFiles, env: NodeJS.ProcessEnv): tls.ConnectionOptions {
  const o: tls.ConnectionOptions = {};
  // A CA file replaces the trusted roots, as it does for curl's --cacert, Go (helm) and OpenSSL's SSL_CERT_FILE.
  if (tlsFiles.caFile) o.ca = readPem(tlsFiles.caFile, 'CA file');
  else if (env.SSL_CERT_FILE) o.ca = readPem(env.SSL_CERT_FILE, 'CA file (SSL_CERT_FILE)');
  if (tlsFiles.certFile) o.cert = readPem(tlsFiles.certFile, 'client certificate');
  if (tlsFiles.keyFile) o.key = readPem(tlsFiles.keyFile, 'client key');
  if (tlsFiles.insecure) o.rejectUnauthorized = false;
  return o;
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** A short cause for a network error, from its code (Node's messages may quote more than we want to show). */
function describe(err: NodeJS.ErrnoException, via: string): string {
  const code = err.code ?? '';
  if (err instanceof HttpFailure) return err.reason;
  if (TLS_CODES.has(code)) return `TLS certificate not accepted (${code}); give the CA with SSL_CERT_FILE or --ca-file`;
  if (code === 'ECONNREFUSED') return `connection refused${via}`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `host not found${via}`;
  if (code === 'ECONNRESET') return `connection reset${via}`;
  if (code === 'EPROTO' || code.startsWith('ERR_SSL')) return `TLS handshake failed${via} (${code})`;
  return `${code || 'request failed'}${via}`;
}

/** One GET; resolves to the response (body unread). */
function request(t: Target, env: NodeJS.ProcessEnv, tlsFiles: TlsFiles, signal: AbortSignal, opened: Duplex[]): Promise<http.IncomingMessage> {
  const isHttps = t.url.protocol === 'https:';
  const host = t.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(t.url.port || (isHttps ? 443 : 80));
  const hostHeader = t.url.host;
  const headers: http.OutgoingHttpHeaders = { Host: hostHeader, 'User-Agent': 'helm-secrets', Accept: '*/*' };
  if (t.credentials) headers.Authorization = basic(t.credentials);
  const proxy = proxyFor(t.url, env);
  const via = proxy ? ' (through the proxy)' : '';
  if (proxy && proxy.protocol !== 'http:') throw new HttpFailure(`proxy scheme ${proxy.protocol} is not supported (use an http:// proxy)`);
  const proxyAuth = proxy && proxy.username ? basic({ user: decodeURIComponent(proxy.username), password: decodeURIComponent(proxy.password) }) : undefined;
  const proxyHost = proxy?.hostname.replace(/^\[|\]$/g, '');
  const proxyPort = proxy ? Number(proxy.port || 80) : 0;
  const tlsOpts = isHttps ? tlsOptions(tlsFiles, env) : {};

  return new Promise((resolve, reject) => {
    const fail = (err: Error) => { reject(new HttpFailure(describe(err, via))); };
    const onResponse = (res: http.IncomingMessage) => { resolve(res); };
    if (!isHttps) {
      const req = proxy
        ? http.request({ host: proxyHost, port: proxyPort, method: 'GET', path: `http://${hostHeader}${t.path}`, headers: { ...headers, ...(proxyAuth ? { 'Proxy-Authorization': proxyAuth } : {}) }, signal, agent: false })
        : http.request({ host, port, method: 'GET', path: t.path, headers, signal, agent: false });
      req.on('response', onResponse).on('error', fail).end();
      return;
    }
    // SNI carries host names only (RFC 6066), never an address.
    const servername = isIP(host) ? undefined : host;
    const get = (socket?: Duplex) => {
      const req = socket
        ? http.request({ method: 'GET', path: t.path, headers, signal, createConnection: () => tls.connect({ ...tlsOpts, socket, servername }) })
        : https.request({ host, port, method: 'GET', path: t.path, headers, signal, agent: false, servername, ...tlsOpts });
      req.on('response', onResponse).on('error', fail).end();
    };
    if (!proxy) {
      get();
      return;
    }
    const connect = http.request({
      host: proxyHost,
      port: proxyPort,
      method: 'CONNECT',
      path: `${host.includes(':') ? `[${host}]` : host}:${port}`,
      headers: { Host: hostHeader, ...(proxyAuth ? { 'Proxy-Authorization': proxyAuth } : {}) },
      signal,
      agent: false,
    });
    connect.on('connect', (res, socket) => {
      opened.push(socket);
      if (res.statusCode !== 200) {
        socket.destroy();
        reject(new HttpFailure(`the proxy refused the tunnel (HTTP ${res.statusCode})`));
        return;
      }
      get(socket);
    });
    connect.on('error', fail).end();
  });
}

function readBody(res: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (d: Buffer) => {
      size += d.length;
      if (size > MAX_BYTES) {
        res.destroy();
        reject(new HttpFailure(`the response is larger than ${MAX_BYTES / 1024 / 1024} MiB`));
        return;
      }
      chunks.push(d);
    });
    let ended = false;
    res.on('end', () => {
      ended = true;
      resolve(new Uint8Array(Buffer.concat(chunks)));
    });
    res.on('error', (err) => { reject(new HttpFailure(describe(err, ''))); });
    // Cut off mid-body (the deadline, a dropped connection): never a truncated file, never a wait forever.
    res.on('close', () => {
      if (!ended) reject(new HttpFailure('the connection closed before the whole file arrived'));
    });
  });
}

/** Seconds the whole download may take: HELM_SECRETS_HTTP_TIMEOUT (default 60). */
export function httpTimeoutMs(env: NodeJS.ProcessEnv): number {
  const n = Number(env.HELM_SECRETS_HTTP_TIMEOUT ?? '60');
  return Number.isFinite(n) && n > 0 ? n * 1000 : 60000;
}

/** GETs `url` (already ${VAR}-expanded), following redirects; rejects with HttpFailure. */
export async function httpGet(url: string, env: NodeJS.ProcessEnv, tlsFiles: TlsFiles = {}): Promise<Uint8Array> {
  const ms = httpTimeoutMs(env);
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, ms);
  // Proxy tunnels: closed at the end whatever happened, so none keeps the process alive.
  const opened: Duplex[] = [];
  try {
    let t = target(url, env);
    for (let hop = 0; ; hop++) {
      const res = await request(t, env, tlsFiles, ctl.signal, opened);
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        if (hop >= MAX_REDIRECTS) throw new HttpFailure(`more than ${MAX_REDIRECTS} redirects`);
        const next = new URL(res.headers.location, `${t.url.protocol}//${t.url.host}${t.path}`);
        if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new HttpFailure(`redirect to a ${next.protocol} URL refused`);
        const sameOrigin = next.protocol === t.url.protocol && next.host === t.url.host;
        const written = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(res.headers.location) ? res.headers.location : next.href;
        const n = target(written, env);
        // Credentials from the URL go only to the host they were written for (curl without --location-trusted).
        if (sameOrigin && !n.credentials && t.credentials) n.credentials = t.credentials;
        t = n;
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw new HttpFailure(`HTTP ${status}`, status);
      }
      return await readBody(res);
    }
  } catch (err) {
    if (timedOut) throw new HttpFailure(`no complete answer within ${ms / 1000} s (HELM_SECRETS_HTTP_TIMEOUT)`);
    if (err instanceof HttpFailure) throw err;
    throw new HttpFailure(describe(err as NodeJS.ErrnoException, ''));
  } finally {
    clearTimeout(timer);
    for (const s of opened) s.destroy();
  }
}
