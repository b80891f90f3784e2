#!/usr/bin/env node
// Bundles the CLI with esbuild into CommonJS files under dist/, then has scripts/train-cache.cjs run typical commands
// on throwaway data to leave a V8 code cache beside each (see bin/helm-secrets.js, which loads them). The outputs,
// all of which a packaged plugin needs:
//   dist/cli.cjs            the front: src/cli/main.ts and what it imports statically (argument parsing, help, the
//                           version); enough for `version`, `--help` and `dir`, so those read and compile ~25 KB
//   dist/cli.cjs.cache      its code cache
//   dist/commands.cjs       everything the front imports dynamically (the commands, the engine, the helm wrapper,
//                           the key kinds), loaded the first time the front needs one of them
//   dist/commands.cjs.cache its code cache, trained on the commands users run most
//   dist/commands.cjs.FAMILY.cache  one more per command family (decrypt, sops, helm; scripts/train-cache.cjs)
//   dist/aws.cjs (+.cache)  the AWS SDK for KMS keys (KMS, STS), loaded only for such keys
//   dist/aws-refs.cjs (+.cache)  the AWS SDK for references (Secrets Manager, SSM, S3), loaded only for those
//   dist/agelib.cjs (+.cache)    the age library, @noble/curves and bcrypt-pbkdf (src/keys/agelib.ts): loaded to
//                           encrypt to age and for identities other than plain X25519, never to decrypt with one
// openpgp, re2js and the other key-service SDKs stay in node_modules and are required when a file uses them.
// The two halves of the CLI share one copy of each module: a module of the front that the commands import is handed
// to them by the front (src/cli/console.ts keeps its quiet flag in one place), never bundled twice.
// Whitespace and syntax are minified (names kept): a smaller, ASCII-only file reads and hashes faster.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
rmSync(join(root, 'dist'), { recursive: true, force: true });
const ENTRY = 'src/cli/main.ts';
// The packages of dist/agelib.cjs stay out of the two halves of the CLI (src/keys/agelib.ts).
const AGE_LIBS = ['age-encryption', '@noble/*', 'bcrypt-pbkdf'];
const EXTERNAL = [...AGE_LIBS, '@aws-sdk/*', '@smithy/*', '@google-cloud/*', '@grpc/*', 'google-gax', 'google-auth-library', '@azure/*', 'openpgp'];
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  sourcemap: false,
  logLevel: 'warning',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // The sources are ES modules: import.meta.url becomes the bundle's own URL, made when it is first read (a
  // pathToFileURL at each bundle's load cost about 0.5 ms of CPU, for a URL a decrypt never reads).
  define: { 'import.meta.url': '__bundle.url' },
  banner: { js: "var __bundle = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
  // The bundles run as vm.Scripts (bin/helm-secrets.js), where Node 20 has no loader for import(): esbuild turns an
  // import() of a module outside the bundle (the AWS SDK imports node:http and node:async_hooks that way) into require().
  supported: { 'dynamic-import': false },
};

// Which modules the front holds: the entry and everything it reaches through static imports.
const probe = await build({ ...common, entryPoints: [ENTRY], outfile: 'dist/cli.cjs', external: EXTERNAL, write: false, metafile: true });
const inputs = probe.metafile.inputs;
const front = new Set();
for (const stack = [ENTRY]; stack.length; ) {
  const file = stack.pop();
  if (front.has(file) || !inputs[file]) continue;
  front.add(file);
  for (const imp of inputs[file].imports) if (imp.kind !== 'dynamic-import' && !imp.external) stack.push(imp.path);
}
// What the front asks the commands bundle for: the targets of its dynamic imports.
const wanted = new Set();
for (const file of front) {
  for (const imp of inputs[file].imports) if (imp.kind === 'dynamic-import' && !imp.external && !front.has(imp.path)) wanted.add(imp.path);
}

const rel = (p) => relative(root, p).split('\\').join('/');
const spec = (p) => JSON.stringify(`./${p}`);
/** Imports of the given kinds that resolve to a module in `set` become the virtual module `namespace:path`. */
function redirect(namespace, set, kinds) {
  return {
    name: `to-${namespace}`,
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (args) => {
        if (args.pluginData === 'inner' || (kinds && !kinds.includes(args.kind)) || args.namespace !== 'file') return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: 'inner' });
        if (r.errors.length || r.external || !set.has(rel(r.path))) return undefined;
        return { path: rel(r.path), namespace };
      });
    },
  };
}
/** Virtual modules (`namespace:name` → source) resolved against the project root. */
function virtual(namespace, modules) {
  return {
    name: `virtual-${namespace}`,
    setup(b) {
      const filter = new RegExp(`^(${Object.keys(modules).map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`);
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace }));
      b.onLoad({ filter: /.*/, namespace }, (args) => ({ contents: modules[args.path], resolveDir: root, loader: 'js' }));
    },
  };
}

// The front: its own modules are offered to the commands bundle by path, and each dynamic import of a module that
// lives in the commands bundle asks that bundle for it (through the entry point's loader, which uses its cache).
const frontModules = [...front].filter((f) => /\.[cm]?[jt]s$/.test(f));
await build({
  ...common,
  entryPoints: ['hs:front-entry'],
  outfile: 'dist/cli.cjs',
  external: EXTERNAL,
  plugins: [
    redirect('hs-commands', wanted, ['dynamic-import']),
    virtual('hs', {
      'hs:front-entry': `import { offer } from 'hs:link';\noffer({\n${frontModules.map((f) => `  ${JSON.stringify(f)}: () => require(${spec(f)}),`).join('\n')}\n});\nexport * from ${spec(ENTRY)};\n`,
      // The entry point offers the commands bundle (with its cache) through startRun (src/cli/entry.ts, which
      // hands the loader to src/packages.ts, a module of the front); required directly, the file is required.
      'hs:link': `import { precompiledBundle } from ${spec('src/packages.ts')};
let modules, commands;
export function offer(m) { modules = m; }
export function fromCommands(path) {
  if (!commands) {
    commands = precompiledBundle('commands') || require(require('node:path').join(__dirname, 'commands.cjs'));
    commands.link(modules);
  }
  return commands.load(path);
}\n`,
    }),
    { name: 'commands-stub', setup(b) { b.onLoad({ filter: /.*/, namespace: 'hs-commands' }, (args) => ({ contents: `module.exports = require('hs:link').fromCommands(${JSON.stringify(args.path)});`, resolveDir: root, loader: 'js' })); } },
  ],
});
// The names each front module exports (types are gone): the commands bundle's stand-in for a front module binds
// them once, as constants, so that its importers read them directly. A stand-in of CommonJS shape instead would be
// copied into a namespace object of getters for each of its ~120 importers, and each use would pass through them.
// Constants are right because no front module reassigns an export (functions, classes, consts and enums only).
for (const f of frontModules) {
  if (/^export\s+(let|var)\b/m.test(readFileSync(join(root, f), 'utf8'))) {
    process.stderr.write(`[helm-secrets] build: ${f} exports a let or var; the commands bundle would see only its first value (export a function that reads it)\n`);
    process.exit(1);
  }
}
const exported = await build({ ...common, format: 'esm', bundle: false, entryPoints: frontModules, outdir: 'dist/.exports', write: false, metafile: true });
const frontExports = new Map(Object.values(exported.metafile.outputs).map((o) => [o.entryPoint, o.exports]));
const frontStub = (path) => {
  const names = frontExports.get(path);
  if (!names) return `module.exports = require('hs:front').fromFront(${JSON.stringify(path)});`;
  const binds = names.map((n) => `${n} = m.${n}`).join(', ');
  return `import { fromFront } from 'hs:front';\nconst m = fromFront(${JSON.stringify(path)});\n${binds ? `export const ${binds};\n` : ''}`;
};
// The commands: every import of a front module (static or dynamic) is the front's own copy.
await build({
  ...common,
  entryPoints: ['hs:commands-entry'],
  outfile: 'dist/commands.cjs',
  external: EXTERNAL,
  plugins: [
    redirect('hs-front', front),
    virtual('hs', {
      'hs:commands-entry': `export { link } from 'hs:front';\nconst modules = {\n${[...wanted].map((f) => `  ${JSON.stringify(f)}: () => require(${spec(f)}),`).join('\n')}\n};\nexport function load(path) { return modules[path](); }\n`,
      'hs:front': `let modules;\nexport function link(m) { modules = m; }\nexport function fromFront(path) { return modules[path](); }\n`,
    }),
    { name: 'front-stub', setup(b) { b.onLoad({ filter: /.*/, namespace: 'hs-front' }, (args) => ({ contents: frontStub(args.path), resolveDir: root, loader: 'js' })); } },
  ],
});
// The AWS SDK apart, with a cache of its own: only runs with a KMS key or an AWS reference load it.
await build({ ...common, entryPoints: ['src/keys/aws-bundle.ts'], outfile: 'dist/aws.cjs' });
await build({ ...common, entryPoints: ['src/refs/aws-bundle.ts'], outfile: 'dist/aws-refs.cjs' });
await build({ ...common, entryPoints: ['src/keys/agelib-bundle.ts'], outfile: 'dist/agelib.cjs' });

// Any import() left (see `supported` above) is refused here rather than failing when that line runs.
for (const name of ['cli', 'commands', 'aws', 'aws-refs', 'agelib']) {
  const code = readFileSync(join(root, 'dist', `${name}.cjs`), 'utf8');
  // Lines of JSDoc (`@param {import('./x.js').T}`, kept by esbuild in some bundled packages) are not code.
  if (code.split('\n').some((line) => !/^\s*(\*|\/\/)/.test(line) && /\bimport\((?!\))/.test(line))) {
    process.stderr.write(`[helm-secrets] build: dist/${name}.cjs contains import(): load modules outside the bundle with require (src/keys/sdk.ts)\n`);
    process.exit(1);
  }
}

const train = spawnSync(process.execPath, [join(root, 'scripts', 'train-cache.cjs')], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (train.status !== 0) {
  // The plugin works without the cache, only starts slower: say so, and do not fail the build.
  process.stderr.write(`[helm-secrets] build: no code cache (${(train.stderr || train.error?.message || '').trim().split('\n').pop()})\n`);
}
