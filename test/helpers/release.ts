// The release artifacts for the package tests: `scripts/package.mjs` run once per process into a temporary
// directory, signed with a throwaway gpg key (its own GNUPGHOME, removed at exit), and the helm homes and offline
// environment the tests install them into: npm pointed at a refusing address, and an `npm` on PATH that records
// any call, so an install that needed npm or the network would show.
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './paths.js';

export interface Release {
  dir: string;
  out: string;
  version: string;
  gnupg: string;
  /** The public key as a binary keyring, what `helm plugin install --keyring` reads. */
  keyring: string;
  signer: string;
}

let cached: Release | undefined;

export function release(): Release {
  if (cached) return cached;
  if (!existsSync(join(ROOT, 'dist', 'cli.cjs'))) throw new Error('dist/ is missing: run node scripts/build.mjs first');
  const dir = mkdtempSync(join(tmpdir(), 'hs-release-'));
  const gnupg = join(dir, 'gnupg');
  mkdirSync(gnupg, { mode: 0o700 });
  const signer = 'helm-secrets test release <release@example.invalid>';
  const genv = { ...process.env, GNUPGHOME: gnupg };
  const gen = spawnSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', signer, 'ed25519', 'sign', 'never'], { env: genv, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`gpg --quick-gen-key: ${gen.stderr}`);
  const keyring = join(dir, 'pubring.gpg');
  const exp = spawnSync('gpg', ['--batch', '--export', 'release@example.invalid'], { env: genv });
  if (exp.status !== 0 || exp.stdout.length === 0) throw new Error(`gpg --export: ${exp.stderr}`);
  writeFileSync(keyring, exp.stdout);
  const out = join(dir, 'release');
  // --no-build: the tests run against the dist/ already built (other tests use it at the same time).
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts/package.mjs'), '--out', out, '--no-build', '--sign', 'release@example.invalid'], { env: genv, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`package.mjs failed: ${r.stderr}`);
  const version = /^version:\s*"?([^"\s]+)/m.exec(readFileSync(join(ROOT, 'plugin.yaml'), 'utf8'))![1]!;
  cached = { dir, out, version, gnupg, keyring, signer };
  process.once('exit', () => {
    spawnSync('gpgconf', ['--kill', 'all'], { env: genv, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return cached;
}

export interface HelmHome {
  home: string;
  plugins: string;
  env: NodeJS.ProcessEnv;
  /** Set when something ran `npm` (it must not). */
  npmMarker: string;
}

/** A fresh helm home with no npm: npm_config_registry refuses, and `npm` on PATH records the call and fails. */
export function offlineHelmHome(prefix: string, base: NodeJS.ProcessEnv): HelmHome {
  const home = mkdtempSync(join(tmpdir(), prefix));
  const bin = join(home, 'bin');
  mkdirSync(bin);
  const npmMarker = join(home, 'npm-was-called');
  for (const name of ['npm', 'npx']) {
    writeFileSync(join(bin, name), `#!/bin/sh\necho "$0 $*" >> '${npmMarker}'\necho "npm must not run during a packaged install" >&2\nexit 1\n`);
    chmodSync(join(bin, name), 0o755);
  }
  const env: NodeJS.ProcessEnv = {
    ...base,
    PATH: `${bin}:${base.PATH ?? ''}`,
    HELM_DATA_HOME: join(home, 'data'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_CACHE_HOME: join(home, 'cache'),
    npm_config_registry: 'http://127.0.0.1:9',
    NPM_CONFIG_REGISTRY: 'http://127.0.0.1:9',
  };
  delete env.HELM_PLUGINS;
  return { home, plugins: join(home, 'data', 'plugins'), env, npmMarker };
}

/** The bytes of every file under `dir` (what an installed plugin takes), and whether any node_modules is there. */
export function treeSize(dir: string): { bytes: number; nodeModules: boolean } {
  let bytes = 0;
  let nodeModules = false;
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      const st = statSync(p);
      if (n === 'node_modules') nodeModules = true;
      if (st.isDirectory()) walk(p);
      else bytes += st.size;
    }
  };
  walk(dir);
  return { bytes, nodeModules };
}

/** A static HTTP server for `dir` on 127.0.0.1 (tarballs as application/gzip), as a release download page. */
export async function serveDir(dir: string): Promise<{ url: string; server: Server; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const name = decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1));
    const file = join(dir, name);
    if (name.includes('/') || name.startsWith('.') || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found\n');
      return;
    }
    const body = readFileSync(file);
    res.writeHead(200, { 'content-type': name.endsWith('.tgz') ? 'application/gzip' : 'application/octet-stream', 'content-length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, server, requests };
}
