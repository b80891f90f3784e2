#!/usr/bin/env node
// `npm run package`: the release artifacts, built from a checkout. Each is a plugin tarball that holds the code as
// it runs (bin/, the bundles of dist/ with their V8 code caches, the npm packages loaded at run time as vendor
// bundles in dist/vendor/), so installing one runs no install step and needs no network:
//   <name>-<version>.tgz            helm 4: one native plugin per directory (`apiVersion: v1`): `secrets` (cli/v1)
//                                   from plugin.yaml, and one from each plugins/*/plugin.yaml (getter/v1, ...)
//   helm-secrets-<version>.tgz      helm 3: one legacy plugin that is the command and the getter (`downloaders:`)
// With --sign KEY each gets a .prov beside it: helm's provenance format (the plugin.yaml, `...`, the tarball's
// sha256), clearsigned by gpg, which `helm plugin install` on helm 4 verifies. SHA256SUMS lists every file.
//   node scripts/package.mjs [--out DIR] [--no-build] [--sign KEY [--passphrase-file FILE]]
// gpg signs from its own keyring (GNUPGHOME); the passphrase, if any, is read from FILE, never from argv.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const say = (m) => process.stderr.write(`[helm-secrets] package: ${m}\n`);
class PackageError extends Error {}
const fail = (m) => {
  throw new PackageError(m);
};

function options(argv) {
  const o = { out: join(root, 'release'), build: true, sign: undefined, passphraseFile: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(`${a} needs a value`));
    if (a === '--out') o.out = resolve(value());
    else if (a === '--no-build') o.build = false;
    else if (a === '--sign') o.sign = value();
    else if (a === '--passphrase-file') o.passphraseFile = resolve(value());
    else fail(`unknown argument ${a} (usage: package.mjs [--out DIR] [--no-build] [--sign KEY [--passphrase-file FILE]])`);
  }
  return o;
}

// ---------------------------------------------------------------------------------------------------------------
// The vendor bundles: the npm packages the sources load at run time by name (src/packages.ts: requirePackage, and
// sdk() of src/keys/sdk.ts), except those a bundle of dist/ already holds (src/**/*-bundle.ts). Packages of one
// family share a bundle, so they share their dependencies (google-gax's gRPC for the KMS client and for insecure
// channel credentials); each package is initialised only when asked for. dist/vendor/NAME.cjs is a one-line stub
// that takes it from its family's bundle through the entry point's loader (bin/helm-secrets.js loadBundle), which runs the
// bundle once per process, from its code cache.

function sourceFiles(dir, out = []) {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function runtimePackages() {
  const loaded = new Set();
  const bundled = new Set();
  for (const f of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/\b(?:sdk|requirePackage)\s*(?:<.*?>)?\(\s*'([^']+)'\s*\)/g)) loaded.add(m[1]);
    if (f.endsWith('-bundle.ts')) for (const m of text.matchAll(/\brequire\(\s*'([^']+)'\s*\)/g)) bundled.add(m[1]);
  }
  return [...loaded].filter((n) => !bundled.has(n)).sort();
}

/** The family bundle of a package: its npm scope or its prefix (google-gax, google-auth-library: google). */
function family(name) {
  if (name.startsWith('@')) return name.slice(1).split('/')[0].replace(/-.*$/, '');
  return name.split('-')[0];
}

/**
 * Vendored code runs as a vm.Script, where Node 20 has no loader for import(): the rule of scripts/build.mjs, and
 * built-in modules named without `node:` (google-gax's `import("crypto")`) become require() too.
 */
function requireOnly(file) {
  const code = readFileSync(file, 'utf8').replace(/\bimport\("((?:node:)?[a-z_/]+)"\)/g, (m, id) => (isBuiltin(id) ? `Promise.resolve(require("${id}"))` : m));
  writeFileSync(file, code);
  if (code.split('\n').some((line) => !/^\s*(\*|\/\/)/.test(line) && /\bimport\((?!\))/.test(line))) {
    fail(`${relative(root, file)} contains import(), which a packaged plugin cannot run`);
  }
}

async function vendorBundles(dist) {
  const names = runtimePackages();
  const families = new Map();
  for (const n of names) families.set(family(n), [...(families.get(family(n)) ?? []), n]);
  const vendor = join(dist, 'vendor');
  for (const [fam, members] of families) {
    const entry = members.map((n) => `exports[${JSON.stringify(n)}] = () => require(${JSON.stringify(n)});`).join('\n');
    const outfile = join(vendor, `_${fam}.cjs`);
    await build({
      stdin: { contents: entry, resolveDir: root, loader: 'js', sourcefile: `vendor-${fam}.js` },
      absWorkingDir: root,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outfile,
      logLevel: 'error',
      legalComments: 'none',
      // Third-party code, shipped once per plugin: minified it is half the size. Function and class names stay
      // (some packages compare constructor and error names).
      minify: true,
      keepNames: true,
      define: { 'import.meta.url': '__bundle_url' },
      banner: { js: "var __bundle_url = require('node:url').pathToFileURL(__filename).href;" },
    });
    requireOnly(outfile);
    for (const n of members) {
      const stub = join(vendor, `${n}.cjs`);
      mkdirSync(dirname(stub), { recursive: true });
      const entryPoint = relative(dirname(stub), join(dist, '..', 'bin', 'helm-secrets.js')).split('\\').join('/');
      writeFileSync(stub, `// ${n}, from dist/vendor/_${fam}.cjs (scripts/package.mjs)\nmodule.exports = require(require('node:path').join(__dirname, ${JSON.stringify(entryPoint)})).loadBundle(${JSON.stringify(`vendor/_${fam}`)}).exports[${JSON.stringify(n)}]();\n`);
    }
  }
  return families;
}

/**
 * The code caches of the vendor bundles of local keys and rules (openpgp for PGP keys, re2js for .sops.yaml
 * regexes): each is compiled and its packages initialised in a separate node, whose compiled code V8 then saves
 * beside it (what loading the package runs; nothing is called). The cloud SDKs go without: a run that uses one
 * waits on the network anyway, and their caches would add about a tenth to the installed size.
 */
const CACHED = new Set(['openpgp', 're2js']);
function vendorCaches(code, allFamilies) {
  const families = new Map([...allFamilies].filter(([fam]) => CACHED.has(fam)));
  const script = `
    const { writeFileSync } = require('node:fs');
    const { loadBundle } = require(${JSON.stringify(join(code, 'bin', 'helm-secrets.js'))});
    for (const [fam, members] of ${JSON.stringify([...families])}) {
      const { exports, script } = loadBundle('vendor/_' + fam, false);
      for (const n of members) exports[n]();
      writeFileSync(${JSON.stringify(join(code, 'dist', 'vendor'))} + '/_' + fam + '.cjs.cache', script.createCachedData());
    }`;
  const r = spawnSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } });
  if (r.status !== 0) fail(`the vendor bundles do not load: ${(r.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Manifests. Facts from helm 4.1.4 (internal/plugin): a legacy plugin.yaml (no apiVersion) with `downloaders:` is a
// getter and nothing else, otherwise a command; a v1 plugin has one `type`. helm runs a getter's command joined to
// the plugin directory (so it is a relative path, and on Windows Go adds the extension from PATHEXT), a command's
// after expanding $VARS in each space-separated part.

function readManifest(dir) {
  const file = join(dir, 'plugin.yaml');
  const doc = parse(readFileSync(file, 'utf8'));
  if (!doc || typeof doc !== 'object' || typeof doc.name !== 'string') fail(`${relative(root, file)}: not a plugin manifest`);
  return doc;
}

/** `bin/x downloader` as helm 4 platformCommands: POSIX, Windows (`bin/x.cmd`) and the default. */
function getterCommands(command) {
  const [cmd, ...args] = command.split(' ').filter(Boolean);
  const windows = cmd.endsWith('.cmd') ? cmd : `${cmd}.cmd`;
  return [
    { os: 'linux', command: cmd, args },
    { os: 'darwin', command: cmd, args },
    { os: 'windows', command: windows, args },
    { command: cmd, args },
  ];
}

/** The helm 4 manifest of a legacy one (or a v1 one as it is), at `version`. */
function nativeManifest(m, version) {
  if (m.apiVersion === 'v1') return { ...m, version };
  if (Array.isArray(m.downloaders) && m.downloaders.length > 0) {
    return {
      apiVersion: 'v1',
      type: 'getter/v1',
      name: m.name,
      version,
      runtime: 'subprocess',
      config: { protocols: m.downloaders.flatMap((d) => d.protocols) },
      runtimeConfig: {
        protocolCommands: m.downloaders.map((d) => ({ protocols: d.protocols, platformCommand: getterCommands(d.command) })),
      },
    };
  }
  return {
    apiVersion: 'v1',
    type: 'cli/v1',
    name: m.name,
    version,
    runtime: 'subprocess',
    config: { usage: m.name, shortHelp: m.usage, longHelp: `${String(m.description ?? '').split('\n')[0]}\nRun "helm ${m.name} --help".`, ignoreFlags: Boolean(m.ignoreFlags) },
    runtimeConfig: { platformCommand: m.platformCommand },
  };
}

/** The helm 3 manifest: the command of plugin.yaml with the downloaders of every legacy getter under plugins/. */
function legacyManifest(main, getters, version) {
  const downloaders = getters.flatMap((g) => g.downloaders ?? []);
  const description = `${main.description.split('\n')[0]}\nRun "helm secrets --help". This one plugin is also the getter for ${downloaders.flatMap((d) => d.protocols).map((p) => `${p}://`).join(', ')}.`;
  return { name: main.name, version, usage: main.usage, description, useTunnel: false, platformCommand: main.platformCommand, downloaders };
}

const manifestText = (m) => `# Generated by scripts/package.mjs from the checkout's plugin.yaml files.\n${stringify(m, { lineWidth: 0, aliasDuplicateObjects: false })}`;

// ---------------------------------------------------------------------------------------------------------------
// Files and tarballs. helm's extractors (3.18 and 4.1) take directories and regular files only, no symlinks; helm
// 3's creates each directory with mkdir (parents first, each once) and wants plugin.yaml at the archive's root;
// helm 4 installs a local tarball from the directory named after the plugin (`secrets/plugin.yaml`).

function copyTree(src, dst, skip = () => false) {
  const st = statSync(src);
  if (st.isDirectory()) {
    mkdirSync(dst, { recursive: true });
    for (const n of readdirSync(src).sort()) if (!skip(join(src, n))) copyTree(join(src, n), join(dst, n), skip);
  } else {
    if (existsSync(dst)) fail(`two sources for ${dst}`);
    mkdirSync(dirname(dst), { recursive: true });
    copyFileSync(src, dst);
    chmodSync(dst, st.mode & 0o111 ? 0o755 : 0o644);
  }
}

function tarHeader(name, mode, size, type, mtime) {
  const h = Buffer.alloc(512);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) fail(`path too long for a tarball: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  const put = (s, off, len) => h.write(s, off, len, 'utf8');
  const oct = (n, off, len) => put(n.toString(8).padStart(len - 1, '0') + '\0', off, len);
  put(base, 0, 100);
  oct(mode, 100, 8);
  oct(0, 108, 8);
  oct(0, 116, 8);
  oct(size, 124, 12);
  oct(mtime, 136, 12);
  h.fill(' ', 148, 156);
  put(type, 156, 1);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put('root', 265, 32);
  put('root', 297, 32);
  put(prefix, 345, 155);
  let sum = 0;
  for (const b of h) sum += b;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  return h;
}

/** A gzipped ustar archive of dir's contents, names under `top/` (or at the root when top is ''), sorted. */
function tarball(dir, top, mtime) {
  const parts = [];
  const walk = (abs, rel) => {
    for (const n of readdirSync(abs).sort()) {
      const p = join(abs, n);
      const name = rel ? `${rel}/${n}` : n;
      const st = statSync(p);
      if (st.isDirectory()) {
        parts.push(tarHeader(`${name}/`, 0o755, 0, '5', mtime));
        walk(p, name);
      } else {
        const data = readFileSync(p);
        parts.push(tarHeader(name, st.mode & 0o111 ? 0o755 : 0o644, data.length, '0', mtime), data, Buffer.alloc((512 - (data.length % 512)) % 512));
      }
    }
  };
  if (top) parts.push(tarHeader(`${top}/`, 0o755, 0, '5', mtime));
  walk(dir, top);
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

/** helm's provenance document for `file` (pkg/provenance: metadata, `...`, the files' sums), clearsigned by gpg. */
function provenance(file, manifest, key, passphraseFile) {
  const name = file.split('/').pop();
  const body = `${stringify(manifest, { lineWidth: 0 })}\n...\n${stringify({ files: { [name]: `sha256:${sha256(readFileSync(file))}` } })}`;
  const args = ['--batch', '--yes', '--armor', '--digest-algo', 'SHA512', '--local-user', key, '--clearsign'];
  if (passphraseFile) args.unshift('--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile);
  const r = spawnSync('gpg', args, { input: body, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  if (r.error) fail(`gpg could not be started (${r.error.code ?? r.error.message}): signing needs gpg`);
  if (r.status !== 0) fail(`gpg could not sign ${name}: ${(r.stderr || '').trim().split('\n').pop()}`);
  writeFileSync(`${file}.prov`, r.stdout);
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const o = options(process.argv.slice(2));
  if (o.build) {
    const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) fail('the build failed');
  }
  if (!existsSync(join(root, 'dist', 'cli.cjs'))) fail('dist/cli.cjs is missing: run without --no-build');
  const mainManifest = readManifest(root);
  const version = String(mainManifest.version);
  const mtime = Number(process.env.SOURCE_DATE_EPOCH ?? 0) || 0;

  mkdirSync(o.out, { recursive: true });
  const stage = mkdtempSync(join(o.out, '.stage-'));
  try {
    // The code every plugin carries: the entry point, the bundles and caches, the launchers.
    const code = join(stage, 'code');
    copyTree(join(root, 'bin'), join(code, 'bin'));
    // The AWS reference clients' code cache (2.3 MB) stays out: those runs wait on the network anyway, and each
    // helm 4 plugin would carry it (the three would pass 25 MB).
    copyTree(join(root, 'dist'), join(code, 'dist'), (p) => p.endsWith('.tmp') || p.endsWith('aws-refs.cjs.cache'));
    for (const f of ['plugin-entry', 'plugin-entry.cmd', 'wrapper', 'lib']) {
      if (existsSync(join(root, 'scripts', f))) copyTree(join(root, 'scripts', f), join(code, 'scripts', f));
    }
    // The post-renderer's manifest and launcher ride along, so that the wrapper can offer it to helm 4 for
    // --evaluate-templates when it is not installed (src/helm/postrender.ts).
    if (existsSync(join(root, 'plugins', 'helm-secrets-post-renderer'))) {
      copyTree(join(root, 'plugins', 'helm-secrets-post-renderer'), join(code, 'plugins', 'helm-secrets-post-renderer'));
    }
    const families = await vendorBundles(join(code, 'dist'));
    vendorCaches(code, families);
    // The code caches fit this node's V8 only (another node compiles the bundles from source, slower to start).
    writeFileSync(join(code, 'dist', 'NODE_VERSION'), `${process.version}\n`);

    const pluginDirs = existsSync(join(root, 'plugins'))
      ? readdirSync(join(root, 'plugins')).sort().map((n) => join(root, 'plugins', n)).filter((d) => existsSync(join(d, 'plugin.yaml')))
      : [];
    const subs = pluginDirs.map((dir) => ({ dir, manifest: readManifest(dir) }));
    const ownFiles = (dir) => (p) => p === join(dir, 'plugin.yaml');

    const artifacts = [];
    const emit = (dir, top, fileName, manifest) => {
      const file = join(o.out, fileName);
      const tmp = `${file}.tmp`;
      writeFileSync(tmp, tarball(dir, top, mtime));
      renameSync(tmp, file);
      if (o.sign) provenance(file, manifest, o.sign, o.passphraseFile);
      else rmSync(`${file}.prov`, { force: true });
      artifacts.push(fileName, ...(o.sign ? [`${fileName}.prov`] : []));
    };

    // helm 4: one native plugin each.
    for (const { dir, manifest } of [{ dir: root, manifest: mainManifest }, ...subs]) {
      const native = nativeManifest(manifest, version);
      const p = join(stage, 'helm4', native.name);
      // A post-renderer is only a launcher: it runs the code of the installed `secrets` plugin, so it carries none.
      if (native.type !== 'postrenderer/v1') copyTree(code, p);
      if (dir !== root) copyTree(dir, p, ownFiles(dir));
      writeFileSync(join(p, 'plugin.yaml'), manifestText(native));
      emit(p, native.name, `${native.name}-${version}.tgz`, native);
    }

    // helm 3: the command and every legacy getter in one plugin.
    const legacy = legacyManifest(mainManifest, subs.filter((s) => s.manifest.apiVersion === undefined && s.manifest.downloaders).map((s) => s.manifest), version);
    const p3 = join(stage, 'helm3');
    copyTree(code, p3);
    for (const s of subs) if (s.manifest.apiVersion === undefined && s.manifest.downloaders) copyTree(s.dir, p3, ownFiles(s.dir));
    writeFileSync(join(p3, 'plugin.yaml'), manifestText(legacy));
    emit(p3, '', `helm-secrets-${version}.tgz`, legacy);

    const sums = artifacts.map((n) => `${sha256(readFileSync(join(o.out, n)))}  ${n}\n`).join('');
    writeFileSync(join(o.out, 'SHA256SUMS'), sums);
    say(`built with node ${process.version}: its V8 uses the code caches; run the plugin on the same major version`);
    for (const n of artifacts) say(`${relative(process.cwd(), join(o.out, n))} (${(statSync(join(o.out, n)).size / 1e6).toFixed(2)} MB)`);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

await main().catch((err) => {
  say(err instanceof PackageError ? err.message : String(err?.stack ?? err));
  process.exitCode = 1;
});
