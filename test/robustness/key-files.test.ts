// Issue 14, item 16: a private key file that its group or others can write is reported, as ssh does: one line on
// stderr naming the file and its mode (also with -q), and the key is still used. Covers SOPS_AGE_KEY_FILE, the
// default keys.txt, SOPS_AGE_SSH_PRIVATE_KEY_FILE and SOPS_PGP_KEY_FILE; a 0600 key file gets no warning.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { HS_VECTORS } from '../helpers/paths.js';
import { runCliBounded } from '../helpers/proc.js';
import { requireTool } from '../helpers/tools.js';

const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');
const PGP_KEY = join(HS_VECTORS, 'tests/assets/gpg/private.gpg');
const PGP_FILE = join(HS_VECTORS, 'tests/assets/values/sops/secrets.yaml');
const SECRET = 'key-file-secret-value';

describe('issue 14 item 16: key files writable by group or others are reported', function () {
  this.timeout(60000);
  let dir: string;
  let ageFile: string;
  let t0 = Date.now();
  let warnings = 0;

  before(async () => {
    t0 = Date.now();
    dir = mkdtempSync(join(tmpdir(), 'hs-keyfiles-'));
    const recipient = /public key: (age1\S+)/.exec(readFileSync(AGE_KEY, 'utf8'))![1]!;
    ageFile = join(dir, 'secrets.yaml');
    writeFileSync(ageFile, await encryptBytes(Buffer.from(`k: ${SECRET}\n`), ageFile, { env: testEnv(), flags: { keys: { age: [recipient] } } }));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`      [issue14 item 16] ${warnings} warnings checked, ${Date.now() - t0} ms`);
  });

  /** A copy of `src` with mode `mode`, in a directory of its own. */
  const keyCopy = (src: string, name: string, mode: number) => {
    const d = mkdtempSync(join(dir, 'k-'));
    const f = join(d, name);
    copyFileSync(src, f);
    chmodSync(f, mode);
    return f;
  };
  const envWithout = (names: string[], extra: Record<string, string>) => {
    const e = testEnv(extra);
    for (const n of names) delete e[n];
    return e;
  };
  const warningsIn = (stderr: string) => stderr.split('\n').filter((l) => /Warning: key file/.test(l));

  for (const [mode, who] of [[0o666, 'group and others'], [0o620, 'its group'], [0o602, 'others']] as const) {
    it(`SOPS_AGE_KEY_FILE mode ${mode.toString(8)}: one warning naming the file and the mode, the key still used (also with -q)`, async () => {
      const key = keyCopy(AGE_KEY, 'keys.txt', mode);
      for (const q of [[], ['-q']]) {
        const r = await runCliBounded([...q, 'decrypt', ageFile], testEnv({ SOPS_AGE_KEY_FILE: key }), 20000);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString('utf8'), new RegExp(SECRET));
        const w = warningsIn(r.stderr);
        assert.equal(w.length, 1, r.stderr);
        assert.equal(w[0], `[helm-secrets] Warning: key file '${key}' can be written by ${who} (mode 0${mode.toString(8)}); using it anyway (chmod go-w it)`);
        warnings++;
      }
    });
  }

  it('the default keys.txt (XDG_CONFIG_HOME/sops/age/keys.txt) is checked too', async () => {
    const home = mkdtempSync(join(dir, 'home-'));
    mkdirSync(join(home, 'sops', 'age'), { recursive: true });
    const key = join(home, 'sops', 'age', 'keys.txt');
    copyFileSync(AGE_KEY, key);
    chmodSync(key, 0o664);
    const r = await runCliBounded(['decrypt', ageFile], envWithout(['SOPS_AGE_KEY_FILE'], { XDG_CONFIG_HOME: home }), 20000);
    assert.equal(r.code, 0, r.stderr);
    assert.match(warningsIn(r.stderr)[0] ?? '', new RegExp(`key file '${key.replace(/[.]/g, '\\.')}' .*mode 0664`));
    warnings++;
  });

  it('SOPS_AGE_SSH_PRIVATE_KEY_FILE and SOPS_PGP_KEY_FILE are checked too', async function () {
    requireTool(this, 'ssh-keygen');
    const sshKey = join(dir, 'id_ed25519');
    assert.equal(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', sshKey]).status, 0);
    chmodSync(sshKey, 0o660);
    const sshFile = join(dir, 'ssh.yaml');
    const pub = readFileSync(sshKey + '.pub', 'utf8').trim();
    writeFileSync(sshFile, await encryptBytes(Buffer.from(`k: ${SECRET}\n`), sshFile, { env: testEnv(), flags: { keys: { age: [pub] } } }));
    const s = await runCliBounded(['decrypt', sshFile], envWithout(['SOPS_AGE_KEY_FILE'], { SOPS_AGE_SSH_PRIVATE_KEY_FILE: sshKey }), 20000);
    assert.equal(s.code, 0, s.stderr);
    assert.match(warningsIn(s.stderr)[0] ?? '', /id_ed25519' can be written by its group \(mode 0660\)/);
    warnings++;

    const pgp = keyCopy(PGP_KEY, 'private.gpg', 0o646);
    const emptyGnupg = mkdtempSync(join(dir, 'gnupg-'));
    chmodSync(emptyGnupg, 0o700);
    const p = await runCliBounded(['decrypt', PGP_FILE], testEnv({ SOPS_PGP_KEY_FILE: pgp, GNUPGHOME: emptyGnupg }), 20000);
    assert.equal(p.code, 0, p.stderr);
    assert.match(warningsIn(p.stderr)[0] ?? '', /private\.gpg' can be written by others \(mode 0646\)/);
    warnings++;
  });

  it('a 0600 or 0644 key file: no warning', async () => {
    for (const mode of [0o600, 0o644, 0o400]) {
      const key = keyCopy(AGE_KEY, 'keys.txt', mode);
      const r = await runCliBounded(['decrypt', ageFile], testEnv({ SOPS_AGE_KEY_FILE: key }), 20000);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(warningsIn(r.stderr), []);
    }
  });
});
