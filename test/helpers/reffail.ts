// How a failed reference must look: a RefError of the expected class, its one line as expected, and none of the
// secrets the stand-in holds in it.
import assert from 'node:assert/strict';
import { RefError } from '../../src/errors.js';
import { getRef, type ResolveOptions } from '../../src/refs/resolve.js';

/** A checker for one provider's failures; `secrets` matches any value its stand-in could leak. */
export function refFailure(secrets: RegExp) {
  return async (ref: string, o: ResolveOptions, reason: string, line: string | RegExp): Promise<void> => {
    await assert.rejects(getRef(ref, o), (e: unknown) => {
      assert.ok(e instanceof RefError, String(e));
      assert.equal(e.reason, reason, e.message);
      if (typeof line === 'string') assert.equal(e.oneLine(), line);
      else assert.match(e.oneLine(), line);
      assert.doesNotMatch(e.oneLine(), secrets);
      return true;
    });
  };
}
