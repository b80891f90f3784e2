// The reserved-key and "no document" checks are one function (engine.ts sealProblem) that encrypt, edit and set ask.
import assert from 'node:assert/strict';
import { encryptBytes, sealProblem } from '../../src/engine.js';
import { ExitCode, SopsError } from '../../src/errors.js';
import { getStore } from '../../src/sops/stores/index.js';

const AGE = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';

describe('one check of what cannot be encrypted', () => {
  it('no document, and the first document\'s reserved key per store', async () => {
    const yaml = await getStore('yaml', {});
    const dotenv = await getStore('dotenv', {});
    assert.deepEqual(sealProblem('yaml', []), { kind: 'no-document' });
    assert.deepEqual(sealProblem('yaml', yaml.loadPlain(Buffer.from('sops: 1\na: 2\n'))), { kind: 'reserved', key: 'sops' });
    assert.equal(sealProblem('yaml', yaml.loadPlain(Buffer.from('a: 1\n---\nsops: 2\n'))), undefined);
    assert.equal(sealProblem('dotenv', dotenv.loadPlain(Buffer.from('sops=1\n'))), undefined);
    assert.deepEqual(sealProblem('dotenv', dotenv.loadPlain(Buffer.from('sops_mac=1\n'))), { kind: 'reserved', key: 'sops_mac' });
  });

  it('encrypt answers with sops\'s codes', async () => {
    const refused = (text: string, code: number, re: RegExp) =>
      assert.rejects(encryptBytes(Buffer.from(text), 'x.yaml', { env: {}, cwd: '/', flags: { keys: { age: [AGE] } } }), (err: unknown) => {
        assert.ok(err instanceof SopsError);
        assert.equal(err.code, code);
        assert.match(err.message, re);
        return true;
      });
    await refused('sops: {}\n', ExitCode.FileAlreadyEncrypted, /top-level 'sops' entry/);
    await refused('', ExitCode.NeedAtLeastOneDocument, /no document to encrypt/);
  });
});
