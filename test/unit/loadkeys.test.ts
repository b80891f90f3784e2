// HELM_SECRETS_LOAD_GPG_KEYS: which files a value names, and how they reach the openpgp.js path.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { applyLoadGpgKeys, gpgKeyFiles } from '../../src/cli/loadkeys.js';

describe('HELM_SECRETS_LOAD_GPG_KEYS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hs-loadkeys-'));
  const keys = join(dir, 'keys');
  mkdirSync(join(keys, '..2026_11_23'), { recursive: true });
  mkdirSync(join(keys, 'sub'));
  writeFileSync(join(keys, '..2026_11_23', 'b.asc'), 'x');
  writeFileSync(join(keys, 'sub', 'nested.asc'), 'x');
  writeFileSync(join(keys, '.hidden.asc'), 'x');
  writeFileSync(join(dir, 'one.gpg'), 'x');
  // A Kubernetes secret volume: visible names are links into the dotted data directory.
  symlinkSync(join('..2026_11_23', 'b.asc'), join(keys, 'b.asc'));
  writeFileSync(join(keys, 'a.asc'), 'x');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('files as given, directories by their visible regular files (links followed), sorted, not recursive', () => {
    assert.deepEqual(gpgKeyFiles(`  ${join(dir, 'one.gpg')}\n${keys}/ `), [join(dir, 'one.gpg'), join(keys, 'a.asc'), join(keys, 'b.asc')]);
  });

  it('a missing path is an error naming it', () => {
    assert.throws(() => gpgKeyFiles(`${keys} ${join(dir, 'nope')}`), (e: Error & { file?: string; code?: number }) => {
      assert.equal(e.file, join(dir, 'nope'));
      assert.equal(e.code, 2);
      assert.match(e.message, /does not exist \(HELM_SECRETS_LOAD_GPG_KEYS\)/);
      return true;
    });
  });

  it('adds the files to SOPS_PGP_KEY_FILE after any given there; unset or false changes nothing', () => {
    const env: NodeJS.ProcessEnv = { SOPS_PGP_KEY_FILE: '/k/own.asc', HELM_SECRETS_LOAD_GPG_KEYS: join(dir, 'one.gpg') };
    applyLoadGpgKeys(env);
    assert.equal(env.SOPS_PGP_KEY_FILE, ['/k/own.asc', join(dir, 'one.gpg')].join(delimiter));
    for (const v of [undefined, 'false', ' ']) {
      const e: NodeJS.ProcessEnv = { HELM_SECRETS_LOAD_GPG_KEYS: v };
      applyLoadGpgKeys(e);
      assert.equal(e.SOPS_PGP_KEY_FILE, undefined);
    }
  });
});
