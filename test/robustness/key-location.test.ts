// Issue 14, item 8: HELM_SECRETS_KEY_LOCATION_PREFIX confines the key files of secrets+age-import:// and
// secrets+gpg-import:// to a directory, compared by real path: `PREFIX/../elsewhere/key.txt`, a symlink inside the
// prefix pointing out of it, and a sibling that merely shares the prefix string are refused before any key is read.
// Through the built wrapper and real helm 3.18 and 4.1.4.
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { HELM, HS_VECTORS, ROOT } from '../helpers/paths.js';
import { runCliBounded } from '../helpers/proc.js';

const CHART = join(ROOT, 'test/fixtures/chart');
const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');

for (const version of ['v3', 'v4'] as const) {
  describe(`issue 14 item 8: the key location prefix is a directory, compared by real path (helm ${version})`, function () {
    this.timeout(60000);
    let dir: string;
    let prefix: string;
    let secrets: string;
    let t0 = Date.now();

    before(async function () {
      t0 = Date.now();
      if (!existsSync(HELM[version])) this.skip();
      dir = mkdtempSync(join(tmpdir(), `hs-keyloc-${version}-`));
      prefix = join(dir, 'keys');
      for (const d of [prefix, join(dir, 'elsewhere'), join(dir, 'keys-other')]) mkdirSync(d);
      for (const d of [prefix, join(dir, 'elsewhere'), join(dir, 'keys-other')]) copyFileSync(AGE_KEY, join(d, 'key.txt'));
      symlinkSync(join(dir, 'elsewhere', 'key.txt'), join(prefix, 'link.txt'));
      const recipient = /public key: (age1\S+)/.exec(readFileSync(AGE_KEY, 'utf8'))?.[1];
      secrets = join(dir, 'secrets.yaml');
      writeFileSync(secrets, await encryptBytes(Buffer.from('global_secret: keyloc-secret\n'), secrets, { env: testEnv(), flags: { keys: { age: [recipient!] } } }));
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
      console.log(`      [issue14 item 8, helm ${version}] key location cases took ${Date.now() - t0} ms`);
    });

    const run = (key: string) =>
      runCliBounded(
        ['template', 'x', CHART, '-f', `secrets+age-import://${key}?${secrets}`],
        // No age key of the test environment: only the imported one can decrypt.
        testEnv({ HELM_SECRETS_HELM_PATH: HELM[version], HELM_SECRETS_KEY_LOCATION_PREFIX: prefix, SOPS_AGE_KEY_FILE: join(dir, 'none.txt') }),
        30000,
      );

    it('refused: PREFIX/../elsewhere/key.txt, a symlink out of PREFIX, a sibling sharing the prefix string', async () => {
      for (const key of [`${prefix}/../elsewhere/key.txt`, join(prefix, 'link.txt'), `${prefix}-other/key.txt`]) {
        const r = await run(key);
        assert.notEqual(r.code, 0, `${key} was accepted`);
        assert.match(r.stderr, /Key location '.*' is not allowed/, key);
        assert.doesNotMatch(r.stdout.toString('utf8'), /keyloc-secret/);
      }
    });

    it('allowed: a key inside PREFIX', async () => {
      const r = await run(join(prefix, 'key.txt'));
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout.toString('utf8'), /global_secret: "keyloc-secret"/);
    });
  });
}
