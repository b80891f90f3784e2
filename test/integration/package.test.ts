// The release tarballs of `npm run package`, installed as a user would with npm out of reach: on helm 4.1.4 the
// native `secrets` and `secrets-getter` plugins (signature verified with --keyring, from a file and from an HTTP
// URL), on helm 3.18 the one legacy plugin from an HTTP URL; then `helm secrets template` and the `secrets://`
// getter render the demo chart with an age key. Also: a tampered tarball is refused, update and reinstall leave a
// working plugin, a code cache V8 rejects (another node) falls back to compiling, and the installed size.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { HELM, ROOT } from '../helpers/paths.js';
import { runCli, testEnv } from '../helpers/env.js';
import { offlineHelmHome, release, serveDir, treeSize, type HelmHome, type Release } from '../helpers/release.js';
import { ageKeygen, requireTool } from '../helpers/tools.js';
import { runText as run } from '../helpers/proc.js';

const CHART = join(ROOT, 'test/fixtures/chart');

describe('release packages installed without npm', function () {
  this.timeout(300000);
  let rel: Release;
  let keys: { dir: string; keyFile: string; recipient: string };
  let secrets: string;
  let web: { url: string; server: Server; requests: string[] };
  const homes: HelmHome[] = [];

  before(async function () {
    for (const v of ['v3', 'v4'] as const) {
      if (!existsSync(HELM[v])) {
        if (process.env.CI === 'true') throw new Error(`${HELM[v]} is missing: npm ci extracts it (CI must not skip)`);
        this.skip();
      }
    }
    requireTool(this, 'gpg');
    keys = ageKeygen(this, 'hs-pkg-age-');
    secrets = join(keys.dir, 'secrets.yaml');
    writeFileSync(secrets, 'global_secret: from-the-age-file\nservice:\n  port: 8443\n');
    const enc = runCli(['encrypt', '-i', '--age', keys.recipient, secrets]);
    assert.equal(enc.code, 0, enc.stderr);
    assert.match(readFileSync(secrets, 'utf8'), /ENC\[AES256_GCM/);
    rel = release();
    web = await serveDir(rel.out);
  });

  after(async () => {
    if (web) await new Promise((resolve) => web.server.close(resolve));
    for (const h of homes) rmSync(h.home, { recursive: true, force: true });
    if (keys) rmSync(keys.dir, { recursive: true, force: true });
  });

  /** The helm 4 plugins of the release: every NAME-VERSION.tgz but the helm 3 one. */
  const helm4Names = () =>
    readdirSync(rel.out)
      .filter((n) => n.endsWith(`-${rel.version}.tgz`) && n !== `helm-secrets-${rel.version}.tgz`)
      .map((n) => n.slice(0, -`-${rel.version}.tgz`.length));

  function home(prefix: string): HelmHome {
    const h = offlineHelmHome(prefix, testEnv({ SOPS_AGE_KEY_FILE: keys.keyFile }));
    homes.push(h);
    return h;
  }

  /** Both ways of using the plugin render the encrypted values into the demo chart. */
  async function rendersDemoChart(helm: string, h: HelmHome): Promise<void> {
    const wrapped = await run(helm, ['secrets', 'template', 'rel', CHART, '-f', secrets], h.env);
    assert.equal(wrapped.code, 0, wrapped.stderr);
    assert.match(wrapped.stdout, /global_secret: "from-the-age-file"/);
    assert.match(wrapped.stdout, /port: "8443"/);
    const getter = await run(helm, ['template', 'rel', CHART, '-f', `secrets://${secrets}`], h.env);
    assert.equal(getter.code, 0, getter.stderr);
    assert.match(getter.stdout, /global_secret: "from-the-age-file"/);
    const imported = await run(helm, ['template', 'rel', CHART, '-f', `secrets+age-import://${keys.keyFile}?${secrets}`], { ...h.env, SOPS_AGE_KEY_FILE: '' });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /port: "8443"/);
    // Encrypting to age runs the age library, dist/agelib.cjs: it is in the package and needs no node_modules.
    const fresh = join(h.home, 'fresh.yaml');
    writeFileSync(fresh, 'token: made-by-the-installed-plugin\n');
    const enc = await run(helm, ['secrets', 'encrypt', '-i', '--age', keys.recipient, fresh], h.env);
    assert.equal(enc.code, 0, enc.stderr);
    assert.match(readFileSync(fresh, 'utf8'), /^token: ENC\[AES256_GCM,/);
    const dec = await run(helm, ['secrets', 'decrypt', fresh], h.env);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout, 'token: made-by-the-installed-plugin\n');
    assert.ok(!existsSync(h.npmMarker), `npm ran: ${existsSync(h.npmMarker) ? readFileSync(h.npmMarker, 'utf8') : ''}`);
  }

  it('writes helm 4 native tarballs, the helm 3 legacy one, their .prov files and SHA256SUMS', () => {
    const v = rel.version;
    for (const f of [`secrets-${v}.tgz`, `secrets-getter-${v}.tgz`, `helm-secrets-${v}.tgz`]) {
      assert.ok(existsSync(join(rel.out, f)), f);
      const prov = readFileSync(join(rel.out, `${f}.prov`), 'utf8');
      assert.match(prov, /^-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n/);
      assert.match(prov, new RegExp(`\\n\\.\\.\\.\\nfiles:\\n  ${f.replace(/\./g, '\\.')}: sha256:[0-9a-f]{64}\\n`));
    }
    const sums = readFileSync(join(rel.out, 'SHA256SUMS'), 'utf8');
    assert.match(sums, new RegExp(`^[0-9a-f]{64}  secrets-${v}\\.tgz$`, 'm'));
  });

  it('every command a manifest names is in its tarball, with a .cmd for Windows; no hooks (nothing to build)', () => {
    const v = rel.version;
    for (const [file, top] of [[`secrets-${v}.tgz`, 'secrets/'], [`secrets-getter-${v}.tgz`, 'secrets-getter/'], [`helm-secrets-${v}.tgz`, '']] as const) {
      const list = spawnSync('tar', ['-tzvf', join(rel.out, file)], { encoding: 'utf8' });
      assert.equal(list.status, 0, list.stderr);
      const entries = new Map(list.stdout.trim().split('\n').map((l) => [l.split(/\s+/).pop()!, l.split(/\s+/)[0]!]));
      assert.ok([...entries.values()].every((mode) => /^[-d]/.test(mode)), 'only files and directories (helm extracts nothing else)');
      assert.ok(![...entries.keys()].some((n) => n.includes('node_modules')));
      const manifest = spawnSync('tar', ['-xzOf', join(rel.out, file), `${top}plugin.yaml`], { encoding: 'utf8' }).stdout;
      assert.doesNotMatch(manifest, /^\s*(hooks|platformHooks):/m);
      // Commands helm runs: a command's first word after $HELM_PLUGIN_DIR/ or !HELM_PLUGIN_DIR!\, a getter's path
      // relative to the plugin (helm joins it to the plugin directory; Go finds X.cmd for X through PATHEXT).
      const named = [
        ...[...manifest.matchAll(/command: (?:\$HELM_PLUGIN_DIR\/|cmd\.exe .*!HELM_PLUGIN_DIR!\\)(\S+)/g)].map((m) => m[1]!.replace(/\\/g, '/')),
        ...[...manifest.matchAll(/command: (bin\/\S+)/g)].map((m) => m[1]!),
      ];
      assert.ok(named.length >= 2, manifest);
      for (const n of named) {
        assert.ok(entries.has(`${top}${n}`), `${file}: ${n}`);
        if (n.endsWith('.cmd')) continue;
        assert.equal(entries.get(`${top}${n}`)![3], 'x', `${file}: ${n} (executable)`);
        assert.ok(entries.has(`${top}${n}.cmd`), `${file}: ${n}.cmd`);
      }
      if (top === 'secrets-getter/') assert.match(manifest, /- os: windows\n\s+command: bin\/secrets-getter\.cmd\n\s+args:\n\s+- downloader/);
    }
  });

  describe('helm 4.1.4', () => {
    let h: HelmHome;
    before(() => (h = home('hs-pkg-v4-')));

    it('installs every helm 4 tarball with its signature verified against the keyring', async () => {
      assert.ok(helm4Names().includes('secrets') && helm4Names().includes('secrets-getter'), helm4Names().join(' '));
      for (const name of helm4Names()) {
        const r = await run(HELM.v4, ['plugin', 'install', join(rel.out, `${name}-${rel.version}.tgz`), '--keyring', rel.keyring], h.env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /Verifying plugin signature/);
        assert.match(r.stdout, new RegExp(`Signed by: ${rel.signer.replace(/[<>.]/g, '\\$&')}`));
        assert.match(r.stdout, /Plugin Hash Verified: sha256:[0-9a-f]{64}/);
        assert.match(r.stdout, new RegExp(`Installed plugin: ${name}\\n`));
      }
      const list = await run(HELM.v4, ['plugin', 'list'], h.env);
      assert.match(list.stdout, /^secrets\s+\S+\s+cli\/v1\s+v1\s+signed/m);
      assert.match(list.stdout, /^secrets-getter\s+\S+\s+getter\/v1\s+v1\s+signed/m);
    });

    it('renders the demo chart through helm secrets template and the secrets:// getter', async () => {
      await rendersDemoChart(HELM.v4, h);
    });

    it('--evaluate-templates through the installed post-renderer, which runs the secrets plugin', async () => {
      const plain = join(keys.dir, 'refs.yaml');
      writeFileSync(plain, 'global_secret: ref+echo://from-the-post-renderer\n');
      const r = await run(HELM.v4, ['secrets', '--evaluate-templates', 'template', 'rel', CHART, '-f', secrets, '-f', plain], h.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /global_secret: from-the-post-renderer/);
      assert.match(r.stdout, /port: "?8443"?/);
    });

    it('installs no node_modules, under 25 MB for all the helm 4 plugins together', () => {
      const sizes = helm4Names().map((n) => [n, treeSize(join(h.plugins, n))] as const);
      for (const [n, s] of sizes) assert.equal(s.nodeModules, false, n);
      // The post-renderer is a launcher that runs the secrets plugin's code: it carries none of its own.
      for (const n of helm4Names()) {
        if (n === 'secrets-post-renderer') assert.equal(existsSync(join(h.plugins, n, 'dist')), false, n);
        else assert.equal(readFileSync(join(h.plugins, n, 'dist', 'NODE_VERSION'), 'utf8'), `${process.version}\n`);
      }
      const total = sizes.reduce((a, [, s]) => a + s.bytes, 0);
      assert.ok(total < 25e6, `${total} bytes`);
      process.stderr.write(`      installed: ${sizes.map(([n, s]) => `${n} ${(s.bytes / 1e6).toFixed(1)} MB`).join(', ')}; total ${(total / 1e6).toFixed(1)} MB\n`);
    });

    it('refuses a tarball whose bytes do not match its .prov, and an unsigned one', async () => {
      const h2 = home('hs-pkg-v4-bad-');
      const dir = mkdtempSync(join(h2.home, 'tampered-'));
      const name = `secrets-${rel.version}.tgz`;
      const data = readFileSync(join(rel.out, name));
      data[data.length - 9] ^= 0x01; // the gzip trailer's CRC: the tarball's hash changes
      writeFileSync(join(dir, name), data);
      copyFileSync(join(rel.out, `${name}.prov`), join(dir, `${name}.prov`));
      const r = await run(HELM.v4, ['plugin', 'install', join(dir, name), '--keyring', rel.keyring], h2.env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /plugin verification failed: sha256 sum does not match/);
      rmSync(join(dir, `${name}.prov`));
      writeFileSync(join(dir, name), readFileSync(join(rel.out, name)));
      const unsigned = await run(HELM.v4, ['plugin', 'install', join(dir, name), '--keyring', rel.keyring], h2.env);
      assert.notEqual(unsigned.code, 0);
      assert.match(unsigned.stderr, /no provenance file \(\.prov\) found/);
      assert.ok(!existsSync(join(h2.plugins, 'secrets')));
    });

    it('refuses a signature by a key that is not in the keyring', async () => {
      const h2 = home('hs-pkg-v4-otherkey-');
      const other = join(h2.home, 'empty.gpg');
      writeFileSync(other, Buffer.alloc(0));
      const r = await run(HELM.v4, ['plugin', 'install', join(rel.out, `secrets-${rel.version}.tgz`), '--keyring', other], h2.env);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /plugin verification failed/);
    });

    it('installs from an HTTP URL, fetching the .prov beside it', async () => {
      const h2 = home('hs-pkg-v4-http-');
      for (const name of ['secrets', 'secrets-getter']) {
        const r = await run(HELM.v4, ['plugin', 'install', `${web.url}/${name}-${rel.version}.tgz`, '--keyring', rel.keyring], h2.env);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /Plugin Hash Verified/);
      }
      assert.ok(web.requests.includes(`GET /secrets-${rel.version}.tgz.prov`));
      await rendersDemoChart(HELM.v4, h2);
    });

    it('reinstall (uninstall, install) and update leave a working plugin', async () => {
      const up = await run(HELM.v4, ['plugin', 'update', 'secrets'], h.env);
      // helm has nothing to update a tarball install from (no VCS): it says so and leaves the plugin as it was.
      assert.notEqual(up.code, 0);
      assert.match(up.stderr, /cannot get information about plugin source/);
      await rendersDemoChart(HELM.v4, h);
      const un = await run(HELM.v4, ['plugin', 'uninstall', 'secrets'], h.env);
      assert.equal(un.code, 0, un.stderr);
      const again = await run(HELM.v4, ['plugin', 'install', join(rel.out, `secrets-${rel.version}.tgz`), '--keyring', rel.keyring], h.env);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      await rendersDemoChart(HELM.v4, h);
    });

    it('a code cache this node rejects (as another Node version would) falls back to compiling the bundle', async () => {
      const h2 = home('hs-pkg-v4-cache-');
      const r = await run(HELM.v4, ['plugin', 'install', join(rel.out, `secrets-${rel.version}.tgz`), '--keyring', rel.keyring], h2.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      // V8 takes a cache only from the same V8 with the same flags: a heap limit is enough to have it refused, as
      // another Node version would; the bundle is then compiled from source and the run is the same.
      const loader = join(h2.plugins, 'secrets', 'bin', 'helm-secrets.js');
      const probe = (opts: string) =>
        spawnSync(process.execPath, ['-e', `process.stdout.write(String(require(${JSON.stringify(loader)}).loadBundle('cli').script.cachedDataRejected))`], { env: { ...h2.env, NODE_OPTIONS: opts }, encoding: 'utf8' }).stdout;
      assert.equal(probe(''), 'false');
      assert.equal(probe('--max-old-space-size=300'), 'true');
      const flagged = await run(HELM.v4, ['secrets', 'template', 'rel', CHART, '-f', secrets], { ...h2.env, NODE_OPTIONS: '--max-old-space-size=300' });
      assert.equal(flagged.code, 0, flagged.stderr);
      assert.match(flagged.stdout, /global_secret: "from-the-age-file"/);
      const cache = join(h2.plugins, 'secrets', 'dist', 'cli.cjs.cache');
      const bytes = readFileSync(cache);
      bytes.fill(0x5a, 0, 64); // V8 checks a header (version, flags, source hash) before using a cache
      writeFileSync(cache, bytes);
      const t = await run(HELM.v4, ['secrets', 'template', 'rel', CHART, '-f', secrets], h2.env);
      assert.equal(t.code, 0, t.stderr);
      assert.match(t.stdout, /global_secret: "from-the-age-file"/);
    });
  });

  describe('helm 3.18', () => {
    let h: HelmHome;
    before(() => (h = home('hs-pkg-v3-')));

    it('installs the one legacy tarball from an HTTP URL: the command and the getter', async () => {
      const r = await run(HELM.v3, ['plugin', 'install', `${web.url}/helm-secrets-${rel.version}.tgz`], h.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /Installed plugin: secrets/);
      const list = await run(HELM.v3, ['plugin', 'list'], h.env);
      assert.deepEqual(list.stdout.match(/^\S+(?=\s)/gm), ['NAME', 'secrets'], list.stdout);
      const manifest = readFileSync(join(h.plugins, 'helm-secrets', 'plugin.yaml'), 'utf8');
      assert.match(manifest, /^downloaders:/m);
      assert.equal(treeSize(join(h.plugins, 'helm-secrets')).nodeModules, false);
    });

    it('renders the demo chart through helm secrets template and the secrets:// getter', async () => {
      await rendersDemoChart(HELM.v3, h);
    });

    it('update leaves the plugin as it was; a new version installs after the old one is removed', async () => {
      const up = await run(HELM.v3, ['plugin', 'update', 'secrets'], h.env);
      assert.notEqual(up.code, 0);
      assert.match(up.stderr, /cannot get information about plugin source/);
      await rendersDemoChart(HELM.v3, h);
      const un = await run(HELM.v3, ['plugin', 'uninstall', 'secrets'], h.env);
      assert.equal(un.code, 0, un.stderr);
      // Another version is another URL (helm 3 keys its extraction cache by URL): served here from a second path.
      const next = join(rel.dir, 'next');
      mkdirSync(next, { recursive: true });
      copyFileSync(join(rel.out, `helm-secrets-${rel.version}.tgz`), join(next, `helm-secrets-${rel.version}.tgz`));
      const web2 = await serveDir(next);
      try {
        const again = await run(HELM.v3, ['plugin', 'install', `${web2.url}/helm-secrets-${rel.version}.tgz`], h.env);
        assert.equal(again.code, 0, again.stdout + again.stderr);
        await rendersDemoChart(HELM.v3, h);
      } finally {
        await new Promise((resolve) => web2.server.close(resolve));
      }
    });

    it('the same URL again needs helm 3\'s extraction cache cleared first (its extractor refuses existing directories)', async () => {
      const un = await run(HELM.v3, ['plugin', 'uninstall', 'secrets'], h.env);
      assert.equal(un.code, 0, un.stderr);
      const url = `${web.url}/helm-secrets-${rel.version}.tgz`;
      const refused = await run(HELM.v3, ['plugin', 'install', url], h.env);
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /extracting files from archive: mkdir .*: file exists/);
      rmSync(join(h.env.HELM_CACHE_HOME!, 'plugins'), { recursive: true, force: true });
      const again = await run(HELM.v3, ['plugin', 'install', url], h.env);
      assert.equal(again.code, 0, again.stdout + again.stderr);
      await rendersDemoChart(HELM.v3, h);
    });
  });
});

