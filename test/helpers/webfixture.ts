// Real network parts for the remote-values tests, all on 127.0.0.1 and stopped by the tests: a throwaway CA made
// with the openssl CLI (server and client certificates signed by it), a file server over http or https (optional
// basic auth below /auth/, redirects below /redirect/, a request that never answers below /slow/, one that stops mid-body below /stall/, client
// certificates required below /mtls/ when asked), and a forward proxy that tunnels CONNECT and relays plain
// http requests. Every request is recorded (path and query as received, never the body).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface TestCa {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A CA that signed nothing here (to show an untrusted server is refused). */
  otherCa: string;
}

/** Makes a CA and certificates for 127.0.0.1 / localhost in `dir` with openssl. */
export function makeCa(dir: string): TestCa {
  const o = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=helm-secrets test CA']);
  o(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=unrelated CA']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'helm-secrets test client']] as const) {
    o(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`]);
    o(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`]);
  }
  return {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    otherCa: join(dir, 'other.pem'),
  };
}

export interface Seen {
  /** Path and query as the server received them. */
  url: string;
  authorization?: string;
  clientCert: boolean;
}

export interface FileServer {
  port: number;
  base: string;
  seen: Seen[];
  close(): Promise<void>;
}

export interface FileServerOptions {
  dir: string;
  tls?: TestCa;
  auth?: { user: string; password: string };
}

/** Serves the files of `dir` (flat names only). */
export async function startFileServer(opts: FileServerOptions): Promise<FileServer> {
  const seen: Seen[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? '/';
    const clientCert = 'getPeerCertificate' in req.socket && !!(req.socket as import('node:tls').TLSSocket).getPeerCertificate()?.subject;
    seen.push({ url, authorization: req.headers.authorization, clientCert });
    const path = url.replace(/\?.*$/s, '');
    let m: RegExpExecArray | null;
    if ((m = /^\/redirect\/(.+)$/.exec(path))) {
      res.writeHead(302, { Location: `/${m[1]}${url.includes('?') ? url.slice(url.indexOf('?')) : ''}` }).end();
      return;
    }
    if (path.startsWith('/slow/')) return; // never answers
    if (path.startsWith('/stall/')) {
      res.writeHead(200).write('global_secret: half'); // headers and part of the body, then nothing
      return;
    }
    let name = path.slice(1);
    if ((m = /^\/auth\/(.+)$/.exec(path))) {
      const want = opts.auth ? 'Basic ' + Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64') : undefined;
      if (!want || req.headers.authorization !== want) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="test"' }).end('unauthorized\n');
        return;
      }
      name = m[1]!;
    }
    if ((m = /^\/mtls\/(.+)$/.exec(path))) {
      if (!clientCert) {
        res.writeHead(403).end('client certificate required\n');
        return;
      }
      name = m[1]!;
    }
    if (name.includes('/') || name.startsWith('.')) {
      res.writeHead(404).end();
      return;
    }
    let body: Buffer;
    try {
      body = readFileSync(join(opts.dir, name));
    } catch {
      res.writeHead(404).end('not found\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(body);
  };
  const server = opts.tls
    ? https.createServer({ cert: readFileSync(opts.tls.serverCert), key: readFileSync(opts.tls.serverKey), ca: readFileSync(opts.tls.ca), requestCert: true, rejectUnauthorized: false }, handler)
    : http.createServer(handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface Proxy {
  port: number;
  url: string;
  /** `CONNECT host:port` targets and absolute URLs of relayed requests. */
  seen: string[];
  close(): Promise<void>;
}

/** A forward proxy: CONNECT tunnels (for https) and relayed absolute-URI GETs (for http); `auth` requires Proxy-Authorization. */
export async function startProxy(auth?: { user: string; password: string }): Promise<Proxy> {
  const seen: string[] = [];
  const sockets = new Set<net.Socket>();
  const want = auth ? 'Basic ' + Buffer.from(`${auth.user}:${auth.password}`).toString('base64') : undefined;
  const server = http.createServer((req, res) => {
    seen.push(`GET ${req.url}`);
    if (want && req.headers['proxy-authorization'] !== want) {
      res.writeHead(407, { 'Proxy-Authenticate': 'Basic realm="proxy"' }).end();
      return;
    }
    const u = new URL(req.url ?? '');
    const up = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: req.headers, method: req.method }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    if (want && req.headers['proxy-authorization'] !== want) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="proxy"\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const up = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
    sockets.add(client);
    sockets.add(up);
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

export interface GitServer {
  port: number;
  base: string;
  close(): Promise<void>;
}

/** Serves the bare repositories below `root` over smart http with `git http-backend` (run as a CGI per request). */
export async function startGitServer(root: string): Promise<GitServer> {
  const { spawn } = await import('node:child_process');
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://127.0.0.1');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(u.pathname),
        QUERY_STRING: u.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        REMOTE_ADDR: '127.0.0.1',
        ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let sent = false;
    cgi.stdout.on('data', (d: Buffer) => {
      if (sent) {
        res.write(d);
        return;
      }
      head = Buffer.concat([head, d]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        const k = line.slice(0, colon).trim();
        const v = line.slice(colon + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else headers[k] = v;
      }
      res.writeHead(status, headers);
      sent = true;
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => {
      if (!sent) res.writeHead(500);
      res.end();
    });
  });
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
