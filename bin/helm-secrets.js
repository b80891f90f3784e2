#!/usr/bin/env node
// Entry point: checks the Node.js version in syntax every Node can parse, then runs the bundled CLI's front,
// dist/cli.cjs (argument parsing, help, version). The front loads the rest, dist/commands.cjs, through the hook below
// the first time a command needs it, and the AWS SDK (dist/aws.cjs) is loaded the same way when a file has a KMS key
// (scripts/build.mjs lists the outputs). Each is compiled with the V8 code cache the build left beside it
// (dist/NAME.cjs.cache), so start-up skips parsing and compiling what a typical command runs, and `version` reads only
// the small front. The age library (dist/agelib.cjs) is loaded the same way, to encrypt to age and for identities
// other than plain X25519. V8 checks that a cache fits this node and these flags; when it does not (another node version,
// say), or when the cache is missing, the bundle is compiled as usual. Caches are written only by the build, from
// commands run on throwaway data, never from a user's run.
'use strict';
var need = [20, 19];
var have = process.versions.node.split('.').map(Number);
if (have[0] < need[0] || (have[0] === need[0] && have[1] < need[1])) {
  process.stderr.write('[helm-secrets] Node.js >= ' + need.join('.') + ' is required, found ' + process.versions.node + '\n');
  process.exit(1);
}

var fs = require('node:fs');
var path = require('node:path');
var vm = require('node:vm');
var Module = require('node:module');

var DIST = path.join(__dirname, '..', 'dist');
var BUNDLE = path.join(DIST, 'cli.cjs');

/**
 * The code cache for dist/NAME.cjs: dist/NAME.cjs.PROFILE.cache when the CLI names a profile ('decrypt', 'sops', 'helm':
 * one command family, trained on its own so that V8 reads only the code that family runs) and the build left one,
 * else dist/NAME.cjs.cache; undefined when there is none.
 */
function readCache(file, profile) {
  var names = profile && /^[a-z]+$/.test(profile) ? [file + '.' + profile + '.cache', file + '.cache'] : [file + '.cache'];
  for (var i = 0; i < names.length; i++) {
    try {
      return fs.readFileSync(names[i]);
    } catch (e) {
      // the next name, or none
    }
  }
  return undefined;
}

/**
 * Compiles and runs dist/NAME.cjs ('cli', 'commands', 'aws', 'aws-refs' or 'agelib') once per process; `cache` false compiles without its cache (the
 * build's training run); `profile` picks a cache trained for one command family (readCache). Returns the bundle's
 * exports and its script (whose cache the training saves).
 */
var loaded = {};
function loadBundle(name, cache, profile) {
  if (loaded[name] && cache !== false) return loaded[name];
  var file = path.join(DIST, name + '.cjs');
  var source = fs.readFileSync(file, 'utf8');
  var cachedData = cache === false ? undefined : readCache(file, profile);
  // No import() in here (Node 20 gives a vm.Script no loader for it): the build refuses a bundle that has one.
  var script = new vm.Script(Module.wrap(source), { filename: file, cachedData: cachedData });
  var mod = { exports: {} };
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  var out = { exports: mod.exports, main: mod.exports.main, script: script };
  if (cache !== false) loaded[name] = out;
  return out;
}

/** Runs the CLI as `entry`: 'helm-secrets' (this file), or 'sops' (bin/sops.js: sops's command line). */
function start(entry) {
  var cli;
  // dist/NAME.cjs from its code cache, once per process; undefined when the file is not there.
  var precompiled = function (name, profile) {
    if (!loaded[name] && !fs.existsSync(path.join(DIST, name + '.cjs'))) return undefined;
    return loadBundle(name, undefined, profile).exports;
  };
  try {
    cli = loadBundle('cli');
  } catch (err) {
    process.stderr.write('[helm-secrets] cannot load ' + BUNDLE + ': ' + (err && err.code ? err.code : String(err)) + " (run 'npm ci' in " + path.join(__dirname, '..') + ')\n');
    process.exit(1);
  }
  // The contract with the bundle (src/cli/entry.ts EntryHooks): this process runs one command, and the CLI gets the
  // commands bundle, the precompiled AWS SDK and the vendor bundles from here (src/packages.ts); without it (the
  // bundle required directly), it requires the file or the package.
  cli.exports.startRun({ precompiled: precompiled });
  cli.main(process.argv.slice(2), entry).then(
    function (code) { process.exitCode = code; },
    function (err) { process.stderr.write('[helm-secrets] ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; }
  );
}

// Exported for bin/sops.js, the cache training and the vendor stubs of a packaged plugin (which require this file
// from inside a running CLI, so the exports must be there when it is the main module too).
module.exports = { loadBundle: loadBundle, start: start };
if (require.main === module) start('helm-secrets');
