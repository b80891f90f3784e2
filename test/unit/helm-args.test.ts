// Every spelling of a values argument helm accepts is found, and rewriting touches only the file names.
import assert from 'node:assert/strict';
import { findFileRefs, rewriteArgs, splitCsv, splitSetFile, type FileRef } from '../../src/helm/args.js';
import { parseSource } from '../../src/helm/source.js';
import { checkKeyLocation, checkValuesPath, expandUrl } from '../../src/helm/guards.js';
import { chooseMode } from '../../src/helm/deliver.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function specs(argv: string[]): string[] {
  return findFileRefs(argv).map((r) => `${r.kind}:${r.key ? r.key + '=' : ''}${r.spec}`);
}

/** Replaces every found file name with X<n>, to show exactly which bytes change. */
function swapAll(argv: string[]): string[] {
  const refs = findFileRefs(argv);
  const m = new Map<FileRef, string>();
  refs.forEach((r, i) => m.set(r, `X${i}`));
  return rewriteArgs(argv, refs, m);
}

describe('helm values arguments', () => {
  it('-f F, -fF, -f=F, --values F, --values=F', () => {
    const argv = ['template', 'c', '-f', 'a.yaml', '-fb.yaml', '-f=c.yaml', '--values', 'd.yaml', '--values=e.yaml'];
    assert.deepEqual(specs(argv), ['values:a.yaml', 'values:b.yaml', 'values:c.yaml', 'values:d.yaml', 'values:e.yaml']);
    assert.deepEqual(swapAll(argv), ['template', 'c', '-f', 'X0', '-fX1', '-f=X2', '--values', 'X3', '--values=X4']);
  });

  it('comma lists in every spelling, quoted CSV parts included', () => {
    const argv = ['upgrade', 'r', 'c', '-f', 'a.yaml,b.yaml', '--values=c.yaml,"d,1.yaml"', '-fe.yaml,f.yaml'];
    assert.deepEqual(specs(argv), ['values:a.yaml', 'values:b.yaml', 'values:c.yaml', 'values:d,1.yaml', 'values:e.yaml', 'values:f.yaml']);
    assert.deepEqual(swapAll(argv), ['upgrade', 'r', 'c', '-f', 'X0,X1', '--values=X2,X3', '-fX4,X5']);
    assert.deepEqual(splitCsv('"a""b",c'), [{ start: 0, end: 6, text: 'a"b' }, { start: 7, end: 8, text: 'c' }]);
  });

  it('--set-file key=F, --set-file=key=F, pairs and escaped commas', () => {
    const argv = ['template', 'c', '--set-file', 'a=x.txt,b.c=y.txt', '--set-file=k=z\\,1.txt'];
    assert.deepEqual(specs(argv), ['set-file:a=x.txt', 'set-file:b.c=y.txt', 'set-file:k=z\\,1.txt']);
    assert.deepEqual(swapAll(argv), ['template', 'c', '--set-file', 'a=X0,b.c=X1', '--set-file=k=X2']);
    assert.deepEqual(splitSetFile('novalue'), []);
  });

  it('protocols stay whole file names', () => {
    const argv = ['template', 'c', '-f', 'secrets://s.yaml', '-f', 'secrets+age-import:///k/key.txt?s.yaml', '--set-file', 'p=secrets+literal://abc'];
    assert.deepEqual(specs(argv), ['values:secrets://s.yaml', 'values:secrets+age-import:///k/key.txt?s.yaml', 'set-file:p=secrets+literal://abc']);
  });

  it('nothing after -- is a flag; other flags and their values are untouched', () => {
    const argv = ['template', 'c', '--set', 'a=-f', '-n', 'ns', '--', '-f', 'x.yaml'];
    assert.deepEqual(specs(argv), []);
    assert.deepEqual(swapAll(argv), argv);
  });

  it('does not confuse long flags starting with f or a dangling -f', () => {
    assert.deepEqual(specs(['template', 'c', '--force', '--values']), []);
    assert.deepEqual(specs(['template', 'c', '-f']), []);
  });

  it('rewrites only the references given, leaving others byte-for-byte', () => {
    const argv = ['template', 'c', '-f', 'plain.yaml,secret.yaml'];
    const refs = findFileRefs(argv);
    const out = rewriteArgs(argv, refs, new Map([[refs[1], '/dev/fd/3']]));
    assert.deepEqual(out, ['template', 'c', '-f', 'plain.yaml,/dev/fd/3']);
  });
});

describe('helm values sources', () => {
  it('reads the secrets protocols, ? and backend prefixes', () => {
    assert.deepEqual(parseSource('secrets://?sops!a.yaml'), { type: 'local', path: 'a.yaml', ignoreMissing: true, backend: 'sops', viaProtocol: true });
    const gpg = parseSource('secrets+gpg-import:///keys/k.asc?dir/s.yaml');
    assert.equal(gpg.type === 'local' && gpg.keyImport?.kind, 'gpg-file');
    assert.equal(gpg.type === 'local' && gpg.path, 'dir/s.yaml');
    const k8s = parseSource('secrets+gpg-import-kubernetes://argocd/keys#k.asc?s.yaml');
    assert.deepEqual(k8s.type === 'local' && k8s.keyImport, { kind: 'gpg-kubernetes', namespace: 'argocd', secret: 'keys', key: 'k.asc' });
    assert.deepEqual(parseSource('secrets+literal://x'), { type: 'literal', value: 'x' });
    assert.deepEqual(parseSource('secrets+literal://noop!x'), { type: 'literal', value: 'x', backend: 'noop' });
    assert.deepEqual(parseSource('secrets+literal://vals!ref+vault://x'), { type: 'literal', value: 'ref+vault://x', backend: 'vals' });
    // After a protocol, whatever precedes the first `!` names a backend (refused when resolved if unknown).
    assert.deepEqual(parseSource('secrets+literal://other!x'), { type: 'literal', value: 'x', backend: 'other' });
    assert.deepEqual(parseSource('secrets://nonexists!a.yaml'), { type: 'local', path: 'a.yaml', ignoreMissing: false, backend: 'nonexists', viaProtocol: true });
    assert.deepEqual(parseSource('secrets://https://u:p@h/x.yaml?a=b'), { type: 'http', url: 'https://u:p@h/x.yaml?a=b', ignoreMissing: false, viaProtocol: true });
    assert.deepEqual(parseSource('https://h/x.yaml'), { type: 'http', url: 'https://h/x.yaml', ignoreMissing: false, viaProtocol: false });
    assert.deepEqual(parseSource('secrets://?git+https://h/r@x.yaml?ref=main'), { type: 'other', spec: 'git+https://h/r@x.yaml?ref=main', ignoreMissing: true, viaProtocol: true });
    const remoteAge = parseSource('secrets+age-import:///k.txt?https://h/x.yaml');
    assert.equal(remoteAge.type, 'http');
    assert.deepEqual(remoteAge.type === 'http' && remoteAge.keyImport, { kind: 'age-file', path: '/k.txt' });
    assert.throws(() => parseSource('secrets://secrets://x.yaml'), /nested secrets protocols/);
    assert.equal(parseSource('https://h/x.yaml').type, 'http');
    assert.deepEqual(parseSource('oci://reg/x'), { type: 'other', spec: 'oci://reg/x', ignoreMissing: false, viaProtocol: false });
    assert.deepEqual(parseSource('noop!a.yaml'), { type: 'local', path: 'a.yaml', ignoreMissing: false, backend: 'noop', viaProtocol: false });
    // On the wrapper's command line, a prefix that names no backend is part of the file name, as in helm-secrets.
    assert.deepEqual(parseSource('nonexists!a.yaml'), { type: 'local', path: 'nonexists!a.yaml', ignoreMissing: false, viaProtocol: false });
    assert.throws(() => parseSource('secrets+age-import://only-key'), /Invalid syntax/);
    assert.deepEqual(parseSource('vals!x.yaml'), { type: 'local', path: 'x.yaml', ignoreMissing: false, backend: 'vals', viaProtocol: false });
  });

  it('guards: absolute paths, traversal, key location, URL expansion', async () => {
    const env = { HELM_SECRETS_VALUES_ALLOW_ABSOLUTE_PATH: 'false', HELM_SECRETS_VALUES_ALLOW_PATH_TRAVERSAL: 'false' };
    await assert.rejects(checkValuesPath('/etc/passwd', env), /is an absolute path/);
    await assert.rejects(checkValuesPath('C:\\x.yaml', env), /is an absolute path/);
    await assert.rejects(checkValuesPath('a/../../b.yaml', env), /Path traversal is not allowed/);
    await checkValuesPath('a/b.yaml', env);
    await checkValuesPath('/etc/passwd', {});
    await assert.rejects(checkKeyLocation('/tmp/k.asc', { HELM_SECRETS_KEY_LOCATION_PREFIX: '/secrets/' }), /Key location '\/tmp\/k.asc' is not allowed/);
    // The prefix is a directory, compared by real path (test/robustness/key-location.test.ts has the symlink cases).
    const keys = mkdtempSync(join(tmpdir(), 'hs-keyprefix-'));
    try {
      await checkKeyLocation(join(keys, 'k.asc'), { HELM_SECRETS_KEY_LOCATION_PREFIX: keys + '/' });
      await assert.rejects(checkKeyLocation(`${keys}/../k.asc`, { HELM_SECRETS_KEY_LOCATION_PREFIX: keys }), /is not allowed/);
    } finally {
      rmSync(keys, { recursive: true, force: true });
    }
    assert.equal(expandUrl('https://h/${T}/x', { T: 'tok' }), 'https://h/${T}/x');
    assert.equal(expandUrl('https://h/${T}/$U', { T: 'tok', HELM_SECRETS_URL_VARIABLE_EXPANSION: 'true' }), 'https://h/tok/$U');
    assert.throws(() => expandUrl('https://h/${NOPE}', { HELM_SECRETS_URL_VARIABLE_EXPANSION: 'true' }), /NOPE is not set/);
  });

  it('delivery mode: descriptors on Linux/macOS, a private dir when asked or on Windows', () => {
    assert.equal(chooseMode({}, 'helm', 'win32'), 'dir');
    assert.equal(chooseMode({ HELM_SECRETS_DEC_DIR: '/x' }, 'helm', 'linux'), 'dir');
    assert.equal(chooseMode({ HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR: 'true' }, 'helm', 'linux'), 'dir');
    assert.equal(chooseMode({}, '/mnt/c/helm.exe', 'linux'), 'dir');
    if (process.platform === 'linux') assert.equal(chooseMode({}, 'helm', 'linux'), 'fd');
  });
});
