#!/usr/bin/env node
// Entry point: checks the Node.js version in syntax every Node can parse, then loads the bundled CLI.
'use strict';
var need = [20, 19];
var have = process.versions.node.split('.').map(Number);
if (have[0] < need[0] || (have[0] === need[0] && have[1] < need[1])) {
  process.stderr.write('[helm-secrets] Node.js >= ' + need.join('.') + ' is required, found ' + process.versions.node + '\n');
  process.exit(1);
}
import('../dist/cli.js').then(function (m) { return m.main(process.argv.slice(2)); }).then(
  function (code) { process.exitCode = code; },
  function (err) { process.stderr.write('[helm-secrets] ' + (err && err.message ? err.message : String(err)) + '\n'); process.exitCode = 1; }
);
