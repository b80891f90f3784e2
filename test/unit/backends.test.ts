// The backend decisions of src/helm/backends.ts (names, prefixes, the allow-list) and how --set values are split
// into pairs (src/helm/literals.ts), without running anything.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendFor, isBackendName, loadBackend, splitForced, valsFormat } from '../../src/helm/backends.js';
import { splitPairs } from '../../src/helm/literals.js';
import { backendArgs, backendDecryptOptions } from '../../src/config/backendargs.js';
import { runBackendName } from '../../src/config/runbackend.js';
import { parseFileCommand } from '../../src/cli/args.js';

describe('secret backends: decisions', () => {
  let dir: string;
  let script: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-backends-unit-'));
    script = join(dir, 'b.sh');
    writeFileSync(script, '_custom_backend_decrypt_literal() { printf x; }\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('built-in names, script files, and helm-secrets\' refusals', () => {
    assert.deepEqual(loadBackend('vals', {}), { name: 'vals', kind: 'vals' });
    assert.equal(loadBackend(script, {}).kind, 'custom');
    assert.throws(() => loadBackend('nonexists', {}), /^HelmSecretsError: Can't find secret backend: nonexists$/);
    assert.throws(() => loadBackend('noop', { HELM_SECRETS_ALLOWED_BACKENDS: 'sops,vals' }), /secret backend 'noop' not allowed/);
    // Exact entries only: no trimming, no prefixes.
    assert.throws(() => loadBackend('vals', { HELM_SECRETS_ALLOWED_BACKENDS: 'sops, vals' }), /not allowed/);
    assert.throws(() => loadBackend('val', { HELM_SECRETS_ALLOWED_BACKENDS: 'vals' }), /not allowed/);
    assert.equal(backendFor(undefined, { HELM_SECRETS_BACKEND: 'noop' }).kind, 'noop');
    assert.equal(backendFor(undefined, {}).kind, 'sops');
    assert.equal(isBackendName(dir), false, 'a directory is no script');
  });

  it('prefixes: on the command line only names of backends count; after a protocol anything before the first !', () => {
    assert.deepEqual(splitForced('vals!a.yaml', false), { backend: 'vals', rest: 'a.yaml' });
    assert.deepEqual(splitForced('nonexists!a.yaml', false), { rest: 'nonexists!a.yaml' });
    assert.deepEqual(splitForced(`${script}!a!b.yaml`, false), { backend: script, rest: 'a!b.yaml' });
    assert.deepEqual(splitForced('nonexists!a.yaml', true), { backend: 'nonexists', rest: 'a.yaml' });
    assert.deepEqual(splitForced('!a.yaml', true), { rest: 'a.yaml' });
    assert.deepEqual(splitForced('a.yaml', true), { rest: 'a.yaml' });
  });

  it('vals output format from the name, as helm-secrets picks it', () => {
    assert.equal(valsFormat('x.json', 'auto'), 'json');
    assert.equal(valsFormat('x.yaml.json', 'auto'), 'yaml');
    assert.equal(valsFormat('x.txt', 'auto'), 'yaml');
    assert.equal(valsFormat('x.json', 'yaml'), 'yaml');
  });

  it('--set values split into pairs as helm reads them: escapes and {lists} keep their commas', () => {
    const v = 'a=1,b=x\\,y,c={p,q},d';
    assert.deepEqual(
      splitPairs(v).map((p) => [p.key, p.value, p.list, v.slice(p.start, p.end)]),
      [
        ['a', '1', false, 'a=1'],
        ['b', 'x\\,y', false, 'b=x\\,y'],
        ['c', '{p,q}', true, 'c={p,q}'],
        ['', 'd', false, 'd'],
      ],
    );
  });
});

describe('backend arguments: sops flags only when the run decrypts with sops', () => {
  const ARGS = '--verbose --ignore-mac --indent 4';
  it('with sops (named or by default) they are read, and a bad one is refused by name', () => {
    for (const backend of [undefined, '', 'sops']) {
      const env = { HELM_SECRETS_BACKEND: backend, HELM_SECRETS_BACKEND_ARGS: ARGS };
      assert.deepEqual(backendArgs(env, 'decrypt', 'decrypt'), ['--verbose', '--ignore-mac', '--indent=4']);
      assert.deepEqual(backendDecryptOptions(env, 'helm template'), { verbose: true, ignoreMac: true, indent: 4 });
      const parsed = parseFileCommand(['a.yaml'], { ...env, HELM_SECRETS_BACKEND_ARGS: '--ignore-mac --indent 4' }, 'decrypt');
      assert.deepEqual([parsed.common.ignoreMac, parsed.common.indent], [true, 4]);
      assert.throws(() => backendDecryptOptions({ ...env, HELM_SECRETS_BACKEND_ARGS: '--url x' }, 'helm template'), /--url is not a sops flag/);
    }
  });

  it('with vals or a script they are that backend\'s: the engine takes none, and refuses none', () => {
    for (const backend of ['vals', 'noop', '/path/to/backend.sh']) {
      const env = { HELM_SECRETS_BACKEND: backend, HELM_SECRETS_BACKEND_ARGS: `${ARGS} --url x` };
      assert.equal(runBackendName(env), backend);
      assert.deepEqual(backendArgs(env, 'encrypt', 'encrypt'), []);
      assert.deepEqual(backendDecryptOptions(env, 'helm template'), { verbose: false, ignoreMac: false });
      const parsed = parseFileCommand(['a.yaml'], env, 'decrypt');
      assert.deepEqual([parsed.common.ignoreMac, parsed.common.indent, parsed.files], [false, undefined, ['a.yaml']]);
    }
    assert.equal(runBackendName({}), 'sops');
  });
});
