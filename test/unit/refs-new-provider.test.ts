// A new reference provider is one module (exporting `provider`) plus one line in src/refs/registry.ts: this test
// registers a throwaway one the way that line does, and the resolver's whole surface (one reference, a document,
// embedded references, fragments, errors) serves it with nothing else changed. The layout section of the README
// says the same; if either stops being true, this fails.
import assert from 'node:assert/strict';
import { RefError } from '../../src/errors.js';
import { registerProvider } from '../../src/refs/registry.js';
import { evalYaml, getRef, hasRefs } from '../../src/refs/resolve.js';
import { RefFetchError, type ParsedRef, type RefProvider } from '../../src/refs/types.js';

describe('refs: a new provider is one module plus one line', () => {
  const fetched: string[] = [];
  let loads = 0;
  const throwaway: RefProvider = {
    fetch(ref: ParsedRef): Promise<unknown> {
      fetched.push(ref.key);
      if (ref.key === 'missing') return Promise.reject(new RefFetchError('not-found', 'no such secret'));
      return Promise.resolve({ user: `user-of-${ref.key}`, port: 5432 });
    },
  };

  before(() => {
    registerProvider('throwaway', 'a test-only store', () => {
      loads++;
      return Promise.resolve({ provider: throwaway });
    });
  });

  const opts = { env: {}, baseDir: '/', file: 'values.yaml' };

  it('resolves a single reference and fragments into its document, loading the module once', async () => {
    assert.equal(await getRef('ref+throwaway://db#/user', opts), 'user-of-db');
    const out = await evalYaml('a: ref+throwaway://db#/port\nb: "postgres://ref+throwaway://db#/user+@host"\nc: plain\n', opts);
    assert.equal(out, 'a: 5432\nb: postgres://user-of-db@host\nc: plain\n');
    assert.ok(hasRefs('x: ref+throwaway://db'));
    assert.equal(loads, 1);
  });

  it("fails with the resolver's one line naming the reference and the file", async () => {
    await assert.rejects(evalYaml('a: ref+throwaway://missing#/user\n', opts), (e: unknown) => {
      assert.ok(e instanceof RefError, String(e));
      assert.equal(e.reason, 'not-found');
      assert.equal(e.oneLine(), 'values.yaml: ref+throwaway://missing#/user: no such secret');
      return true;
    });
  });

  it('a scheme cannot be registered twice', () => {
    assert.throws(() => registerProvider('echo', 'again', () => Promise.resolve({ provider: throwaway })), /already registered/);
  });
});
