// Comments inside lists, as sops carries them: head comments, line comments on items, foot comments of a mapping
// item. Encrypted they are `#ENC[...,type:comment]` lines inside the list; they decrypt back to the same text.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, testEnv } from '../helpers/env.js';

const RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';

describe('comments in YAML lists', function () {
  this.timeout(60000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'hs-list-comments-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('encrypt then decrypt keeps every comment of a list in its place', () => {
    const plain = 'l:\n    # head of x\n    - x\n    - y # on y\nm:\n    - a:\n        b: 1\n        # foot of a\n    - d\n';
    const f = join(dir, 'list.yaml');
    writeFileSync(f, plain);
    const enc = runCli(['encrypt', f], { env: testEnv({ SOPS_AGE_RECIPIENTS: RECIPIENT }) });
    assert.equal(enc.code, 0, enc.stderr);
    const text = enc.stdout.toString();
    // Comments are encrypted where they stand: one inside the list before x, one after y's value, one in the map item.
    assert.match(text, /^l:\n {4}#ENC\[AES256_GCM,[^\]]+type:comment\]\n {4}- ENC\[/);
    assert.match(text, /\n {4}- ENC\[[^\]]+type:str\] #ENC\[[^\]]+type:comment\]\n/);
    assert.match(text, /\n {8}b: ENC\[[^\]]+type:int\]\n {8}#ENC\[[^\]]+type:comment\]\n {4}- ENC/);
    const g = join(dir, 'list.enc.yaml');
    writeFileSync(g, text);
    const dec = runCli(['decrypt', g]);
    assert.equal(dec.code, 0, dec.stderr);
    assert.equal(dec.stdout.toString(), plain.replace('- y # on y', '- "y" # on y'));
  });
});
