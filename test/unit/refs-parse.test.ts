// Reading references as vals reads them: the examples of vals's README, where an embedded reference ends, and the
// URLs Go's url.Parse refuses.
import assert from 'node:assert/strict';
import { findRefs, fragmentPath, hasRefs, isWholeRef, parseRef, refParam } from '../../src/refs/parse.js';
import { RefFetchError } from '../../src/refs/types.js';

const parts = (text: string) => {
  const r = parseRef(text);
  assert.ok(r, text);
  return { kind: r.kind, scheme: r.scheme, host: r.host, path: r.path, key: r.key, params: r.params.toString(), fragment: r.fragment };
};

describe('refs: parseRef', () => {
  it('takes apart the references of vals\'s documentation', () => {
    assert.deepEqual(parts('ref+vault://mykv/foo#/mykey'), { kind: 'ref', scheme: 'vault', host: 'mykv', path: '/foo', key: 'mykv/foo', params: '', fragment: '/mykey' });
    assert.deepEqual(parts('ref+awssecrets://myteam/mydoc?region=us-west-2&profile=p#/foo/bar'), {
      kind: 'ref',
      scheme: 'awssecrets',
      host: 'myteam',
      path: '/mydoc',
      key: 'myteam/mydoc',
      params: 'region=us-west-2&profile=p',
      fragment: '/foo/bar',
    });
    assert.deepEqual(parts('ref+file://relative/path/to/file.yaml#/foo/bar').key, 'relative/path/to/file.yaml');
    assert.deepEqual(parts('ref+file:///absolute/path/to/file').key, '/absolute/path/to/file');
    assert.deepEqual(parts('ref+file://./x.txt').key, './x.txt');
    assert.deepEqual(parts('ref+echo://foo/bar').key, 'foo/bar');
    assert.deepEqual(parts('ref+k8s://v1/Secret/ns/name/key').key, 'v1/Secret/ns/name/key');
    assert.deepEqual(parts('secretref+vault://secret/db#/pw').kind, 'secretref');
  });

  it('lower-cases the scheme and keeps an ARN whole as the host', () => {
    assert.equal(parts('ref+Vault://a/b').scheme, 'vault');
    const arn = parts('ref+awssecrets://arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCd?region=us-east-1#/password');
    assert.equal(arn.host, 'arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCd');
    assert.equal(arn.key, arn.host);
    assert.equal(arn.params, 'region=us-east-1');
    assert.equal(arn.fragment, '/password');
  });

  it('percent-decodes the path and the fragment; a trailing + ends the reference', () => {
    assert.equal(parts('ref+echo://a%20b/c%2Fd').key, 'a%20b/c/d'.replace('%20', ' '));
    assert.equal(parts('ref+echo://a/b#/x%2Fy').fragment, '/x/y');
    assert.equal(parts('ref+echo://abc+').key, 'abc');
    assert.equal(parts('ref+echo://u:p@host/x').key, 'host/x');
  });

  it('is null for what is not one whole reference', () => {
    for (const t of ['ref+echo:/x', 'ref+echo://x', 'prefix ref+echo://abc', 'ref+echo://abc suffix', 'vault://a/b', '']) assert.equal(parseRef(t), null, t);
  });

  it('refuses what Go\'s url.Parse refuses, as a malformed reference', () => {
    const bad = (t: string, re: RegExp) =>
      assert.throws(
        () => parseRef(t),
        (e: unknown) => e instanceof RefFetchError && e.reason === 'malformed' && re.test(e.message),
        t,
      );
    bad('ref+vault://host:port/x', /invalid port/);
    bad('ref+echo://a%zz/b', /invalid URL escape in the host/);
    bad('ref+echo://a/b%4', /invalid URL escape in the path/);
    bad('ref+envsubst://${HOME}', /invalid character in the host/);
    bad('ref+1x://ab', /invalid scheme/);
    bad('ref+echo://a\tb', /control character/);
  });

  it('reads provider parameters with vals\'s VALS_<NAME> fallback', () => {
    const r = parseRef('ref+vault://a/b?address=http://x&empty=')!;
    assert.equal(refParam(r, 'address', {}), 'http://x');
    assert.equal(refParam(r, 'empty', { VALS_EMPTY: 'no' }), '');
    assert.equal(refParam(r, 'namespace', { VALS_NAMESPACE: 'team' }), 'team');
    assert.equal(refParam(r, 'namespace', {}), undefined);
    assert.equal(fragmentPath(parseRef('ref+echo://a/b#/')!), '');
    assert.equal(fragmentPath(parseRef('ref+echo://a/b#/x/y')!), 'x/y');
  });
});

describe('refs: findRefs', () => {
  const raws = (t: string) => findRefs(t).map((m) => m.raw);

  it('finds references inside strings where vals does', () => {
    assert.deepEqual(raws('user=ref+echo://alice pass=ref+echo://bob'), ['ref+echo://alice', 'ref+echo://bob']);
    // `+` ends a reference and is dropped; `"` and `,` cannot end one; a newline or a space stops it.
    assert.deepEqual(findRefs('ref+echo://ab+cd').map((m) => [m.raw, m.end]), [['ref+echo://ab', 14]]);
    assert.deepEqual(raws('{"a": "ref+echo://xyz", "b": 1}'), ['ref+echo://xyz']);
    assert.deepEqual(raws('list: ref+echo://ab,'), ['ref+echo://ab']);
    assert.deepEqual(raws('ref+echo://a,b'), ['ref+echo://a,b']);
    assert.deepEqual(raws('line1 ref+echo://one\nref+echo://two'), ['ref+echo://one', 'ref+echo://two']);
    assert.deepEqual(raws('secretref+echo://s1 ref+echo://r1'), ['secretref+echo://s1', 'ref+echo://r1']);
  });

  it('needs two characters after :// (vals\'s pattern), and tells whole references from embedded ones', () => {
    assert.deepEqual(raws('ref+echo://x'), []);
    assert.equal(hasRefs('a ref+echo://xy b'), true);
    assert.equal(hasRefs('ref+ alone'), false);
    assert.equal(isWholeRef('ref+echo://xy+'), true);
    assert.equal(isWholeRef(' ref+echo://xy'), false);
  });
});
