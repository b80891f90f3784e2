// Within one CLI run (the entry point calls startRun) a .sops.yaml is found once per directory and parsed once per
// file; in-process callers (these tests) see every change. Checked in a child process, so this one stays unmemoized.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findConfig, loadConfig } from '../../src/config/config.js';
import { ROOT } from '../helpers/paths.js';

describe('.sops.yaml lookups within one run', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cfg-memo-'));
    mkdirSync(join(dir, 'a'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // Finds from a/, then moves the file and rewrites it, and finds and loads again.
  const script = (memo: boolean) => `
    import { writeFileSync, rmSync } from 'node:fs';
    const { startRun } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/cli/entry.ts')).href)});
    const { findConfig, loadConfig } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/config/config.ts')).href)});
    const dir = process.argv[1];
    if (${memo}) startRun({});
    const first = findConfig(dir + '/a', {});
    const stores1 = loadConfig(first).stores;
    writeFileSync(dir + '/a/.sops.yaml', 'stores: {yaml: {indent: 3}}\\n');
    writeFileSync(dir + '/.sops.yaml', 'stores: {yaml: {indent: 5}}\\n');
    const second = findConfig(dir + '/a', {});
    const stores2 = loadConfig(first).stores;
    console.log(JSON.stringify({ first, second, same: stores1 === stores2, indent: stores2.yaml?.indent }));
  `;
  const run = (memo: boolean) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(memo), dir], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout) as { first: string; second: string; same: boolean; indent?: number };
  };

  it('one CLI run keeps the first answer for a directory and the first parse of a file', () => {
    writeFileSync(join(dir, '.sops.yaml'), 'stores: {yaml: {indent: 2}}\n');
    const r = run(true);
    assert.equal(r.first, join(dir, '.sops.yaml'));
    assert.equal(r.second, r.first);
    assert.equal(r.same, true);
    assert.equal(r.indent, 2);
  });

  it('without startRun every lookup and load sees the files as they are now', () => {
    writeFileSync(join(dir, '.sops.yaml'), 'stores: {yaml: {indent: 2}}\n');
    const r = run(false);
    assert.equal(r.second, join(dir, 'a', '.sops.yaml'));
    assert.equal(r.indent, 5);
    // And in this process too.
    assert.equal(findConfig(join(dir, 'a'), {}), join(dir, 'a', '.sops.yaml'));
    assert.equal(loadConfig(join(dir, '.sops.yaml')).stores.yaml?.indent, 5);
  });
});
