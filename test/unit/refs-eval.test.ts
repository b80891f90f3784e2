// `vals eval` and `vals get` semantics over whole documents, with the echo, file and envsubst providers: types kept
// for a whole reference, %v inside strings, keys that merge a mapping, nested references, vals's output shape, and
// one-line errors that name the reference and the file but never a value.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RefError } from '../../src/errors.js';
import { envsubst } from '../../src/refs/envsubst.js';
import { evalTree, evalYaml, getRef, hasRefs, type ResolveOptions } from '../../src/refs/resolve.js';

describe('refs: eval and get', () => {
  let dir: string;
  let opts: ResolveOptions;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hs-refs-eval-'));
    writeFileSync(join(dir, 'db.yaml'), 'db:\n  user: admin\n  password: hunter2-secret\n  port: 5432\n  tls: true\n  ratio: 0.5\nlist: [a, b]\n');
    writeFileSync(join(dir, 'pw.txt'), 'file-secret\n');
    writeFileSync(join(dir, 'merge.yaml'), 'merged_a: 1\nkeep: from-merge\n');
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'x.json'), '{"k": {"deep": "json-value"}}');
    opts = { env: { HOME: dir, NAME: 'world', EMPTY: '' }, baseDir: dir, file: 'values.yaml' };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves a whole document as vals eval prints it (keys sorted, indent 2, types kept)', async () => {
    const doc = [
      '# a comment vals drops',
      'zeta: ref+echo://last',
      'alpha:',
      '  port: ref+file://db.yaml#/db/port',
      '  tls: ref+file://db.yaml#/db/tls',
      '  ratio: ref+file://db.yaml#/db/ratio',
      '  list: ref+file://db.yaml#/list',
      '  db: ref+file://db.yaml#/db',
      '  raw: ref+file://pw.txt',
      '  b64: ref+file://pw.txt?encode=base64',
      '  url: "postgres://ref+file://db.yaml#/db/user+:ref+file://db.yaml#/db/port+/x"',
      '  items: [ref+echo://one, 2, {n: ref+echo://nested}]',
      '  plain: 7',
      '  json: ref+file://sub/x.json#/k/deep',
      'k10: 1',
      'k9: 2',
      '',
    ].join('\n');
    const out = await evalYaml(doc, opts);
    assert.equal(
      out,
      [
        'alpha:',
        '  b64: ZmlsZS1zZWNyZXQK',
        '  db:',
        '    password: hunter2-secret',
        '    port: 5432',
        '    ratio: 0.5',
        '    tls: true',
        '    user: admin',
        '  items:',
        '    - one',
        '    - 2',
        '    - "n": nested',
        '  json: json-value',
        '  list:',
        '    - a',
        '    - b',
        '  plain: 7',
        '  port: 5432',
        '  ratio: 0.5',
        '  raw: |',
        '    file-secret',
        '  tls: true',
        '  url: postgres://admin:5432/x',
        'k9: 2',
        'k10: 1',
        'zeta: last',
        '',
      ].join('\n'),
    );
  });

  it('writes a non-string into a longer string as Go\'s %v does', async () => {
    assert.equal(await getRef('m=ref+file://db.yaml#/db l=ref+file://db.yaml#/list t=ref+file://db.yaml#/db/tls', opts), 'm=map[password:hunter2-secret port:5432 ratio:0.5 tls:true user:admin] l=[a b] t=true');
  });

  it('vals get: every reference in the literal, nothing else touched', async () => {
    assert.equal(await getRef('ref+echo://foo/bar/', opts), 'foo/bar');
    assert.equal(await getRef('ref+echo://foo/bar#/foo', opts), 'bar');
    assert.equal(await getRef('ref+echo://a/b/c#/a/b', opts), 'c');
    assert.equal(await getRef('no reference here', opts), 'no reference here');
    assert.equal(await getRef('ref+file://pw.txt', opts), 'file-secret\n');
  });

  it('merges the mapping a reference in a key stands for, and leaves other keys alone', async () => {
    const out = await evalYaml('top:\n  ref+file://merge.yaml:\n    ignored: value\n  keep: original\n  other: x\nref+echo://not-a-map: scalar\n', opts);
    assert.equal(out, 'ref+echo://not-a-map: scalar\ntop:\n  keep: from-merge\n  merged_a: 1\n  other: x\n');
  });

  it('resolves nested references inside out, and leaves secretref+ alone when asked', async () => {
    assert.equal(await getRef('ref+echo://ref+envsubst://$NAME/more', opts), 'world/more');
    assert.equal(await evalYaml('a: secretref+echo://s1\nb: ref+echo://r1\n', { ...opts, excludeSecret: true }), 'a: secretref+echo://s1\nb: r1\n');
    assert.equal(await evalYaml('a: secretref+echo://s1\n', opts), 'a: s1\n');
  });

  it('evaluates every document of a stream and skips empty ones, as YAML or as vals -o json', async () => {
    const stream = 'a: ref+echo://one\n---\n{}\n---\nb: [ref+file://db.yaml#/db/port, "<&>"]\n';
    assert.equal(await evalYaml(stream, opts), 'a: one\n---\nb:\n  - 5432\n  - <&>\n');
    assert.equal(await evalYaml(stream, { ...opts, output: 'json' }), '{"a":"one"}\n---\n{"b":[5432,"\\u003c\\u0026\\u003e"]}\n');
    assert.equal(await evalYaml('', opts), '');
  });

  it('keeps a timestamp as written (vals and helm read it as a string), anchors and merges as yaml.v3 does', async () => {
    const doc = 'base: &b {x: 1, y: ref+echo://from-anchor}\nd: 2001-12-14\nt: 2001-12-14t21:59:43.10-05:00\nm:\n  <<: *b\n  y: own\nq: "2001-12-14"\n';
    assert.equal(await evalYaml(doc, opts), 'base:\n  x: 1\n  "y": from-anchor\nd: "2001-12-14"\nm:\n  x: 1\n  "y": own\nq: "2001-12-14"\nt: "2001-12-14t21:59:43.10-05:00"\n');
  });

  it('evalTree works on plain values and returns plain values', async () => {
    const tree = { a: ['ref+echo://xy', { b: 'ref+file://db.yaml#/db/port' }], c: 3, d: null, e: 'ref+file://db.yaml#/db' };
    assert.deepEqual(await evalTree(tree, opts), { a: ['xy', { b: 5432 }], c: 3, d: null, e: { user: 'admin', password: 'hunter2-secret', port: 5432, tls: true, ratio: 0.5 } });
    assert.deepEqual(tree.a[0], 'ref+echo://xy', 'the input is not changed');
    assert.equal(await evalTree('ref+echo://top', opts), 'top');
  });

  it('hasRefs', () => {
    assert.equal(hasRefs('a: ref+echo://xy'), true);
    assert.equal(hasRefs('a: b'), false);
  });

  describe('errors: one line naming the reference and the file, never a value', () => {
    const fails = async (p: Promise<unknown>, reason: string, line: string) => {
      await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof RefError, String(e));
        assert.equal(e.reason, reason);
        assert.equal(e.code, 1);
        assert.equal(e.oneLine(), line);
        assert.doesNotMatch(e.oneLine(), /hunter2|file-secret|admin/);
        return true;
      });
    };

    it('unknown provider', () => fails(evalYaml('a: ref+nope://xy\n', opts), 'unknown-provider', 'values.yaml: ref+nope://xy: no provider registered for scheme "nope"'));
    it('malformed reference', () =>
      fails(getRef('ref+echo://host:port/x', opts), 'malformed', 'values.yaml: ref+echo://host:port/x: malformed reference: invalid port after the host (a `:` in the host must start a port)'));
    it('missing file', () => fails(evalYaml('a: ref+file://nope.txt\n', opts), 'not-found', 'values.yaml: ref+file://nope.txt: no such file nope.txt'));
    it('missing key in a document', () => fails(evalYaml('a: ref+file://db.yaml#/db/nope\n', opts), 'not-found', 'values.yaml: ref+file://db.yaml#/db/nope: no value at #/db/nope'));
    it('a fragment through a value that is not a mapping', () =>
      fails(evalYaml('a: ref+file://db.yaml#/db/password/x\n', opts), 'not-found', 'values.yaml: ref+file://db.yaml#/db/password/x: #/db/password is not a mapping, so #/db/password/x cannot be in it'));
    it('a file that is not a mapping, with a fragment', () =>
      fails(evalYaml('a: ref+file://pw.txt#/x\n', opts), 'failed', 'values.yaml: ref+file://pw.txt#/x: the value is not a YAML or JSON mapping, so a fragment cannot select in it'));
    it('a bad parameter', () => fails(getRef('ref+file://pw.txt?encode=hex', opts), 'malformed', 'values.yaml: ref+file://pw.txt?encode=***: unsupported encode parameter "hex" (raw or base64)'));
    it('a device is not read', () => fails(getRef('ref+file:///dev/zero', opts), 'failed', 'values.yaml: ref+file:///dev/zero: cannot read /dev/zero: is a character device, not a regular file: it cannot be read as an input'));
    it('a path the run\'s guard refuses is a denied read, before anything is read', () =>
      fails(
        evalYaml('a: ref+file:///etc/hostname\n', { ...opts, checkPath: async (p) => { if (p.startsWith('/')) throw new Error(`${p} is absolute`); } }),
        'denied',
        'values.yaml: ref+file:///etc/hostname: /etc/hostname is absolute',
      ));
    it('of several failures, the first in the document is the one reported', async () => {
      for (let i = 0; i < 3; i++) {
        await fails(evalYaml('a: [ref+file://first.txt, {b: ref+nope://second}]\nz: ref+file://db.yaml#/db/zz\n', opts), 'not-found', 'values.yaml: ref+file://first.txt: no such file first.txt');
      }
    });
    it('a nested reference names the text as written', () =>
      fails(getRef('ref+echo://ref+file://nope.txt/x', opts), 'not-found', 'values.yaml: ref+echo://ref+file://nope.txt/x: no such file nope.txt/x'));
    it('an unclosed ${ in envsubst', () => fails(getRef('ref+envsubst://$HOME/${NAME', opts), 'malformed', 'values.yaml: ref+envsubst://$HOME/${NAME: envsubst: closing brace expected'));
  });
});

describe('refs: envsubst', () => {
  const env = { A: 'a', E: '', D: 'dflt' };
  it('substitutes as a8m/envsubst does', () => {
    const cases: [string, string][] = [
      ['$A', 'a'],
      ['${A}', 'a'],
      ['x$A-y', 'xa-y'],
      ['$U', ''],
      ['${U-def}', 'def'],
      ['${E-def}', ''],
      ['${E:-def}', 'def'],
      ['${U:=def}', 'def'],
      ['${U=def}', 'def'],
      ['${A+alt}', 'alt'],
      ['${U+alt}', ''],
      ['${A:+alt}', 'alt'],
      ['${U:-$D}', 'dflt'],
      ['$$A', '$A'],
      ['cost: 5$', 'cost: 5$'],
      ['$_', '$_'],
      ['${ A}', '${ A}'],
      ['${A:-$D}', 'a'],
    ];
    for (const [input, want] of cases) assert.equal(envsubst(input, env), want, input);
    assert.throws(() => envsubst('${A', env), /closing brace expected/);
  });
});
