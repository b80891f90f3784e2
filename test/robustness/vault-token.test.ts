// The Vault token must not follow an untrusted file: `vault_address` is read from the encrypted file, so decrypting
// one could send VAULT_TOKEN anywhere. With VAULT_ADDR set, a file naming another server is refused unless
// SOPS_HC_VAULT_ALLOWLIST lists it; a token never goes over plain http to a non-loopback host unless that address is
// listed. Files that name the user's own Vault (or a loopback dev server) keep working. Through the built CLI.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';
import { runCliAsync } from '../helpers/proc.js';

const TOKEN = 'test-root-token';

/** A non-loopback IPv4 address of this machine, to stand for a remote server. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === 'IPv4')?.address;
}

describe('robustness: the Vault token does not follow the file', function () {
  this.timeout(60000);
  let dir: string;
  let mine: FakeVault;
  let other: FakeVault;
  let remote: FakeVault | undefined;
  let base: NodeJS.ProcessEnv;

  /** A file whose one key is a transit key on `v`. */
  async function fileOn(v: FakeVault, name: string): Promise<string> {
    const f = join(dir, name);
    // Made by the user, who trusts that server (the fix would otherwise refuse the remote one here too).
    const env = { ...base, VAULT_TOKEN: TOKEN, SOPS_HC_VAULT_ALLOWLIST: v.address };
    writeFileSync(f, await encryptBytes(Buffer.from('secret: on-vault\n'), f, { env, flags: { keys: { 'hc-vault-transit': [`${v.address}/v1/transit/keys/k`] } } }));
    v.calls.length = 0;
    return f;
  }
  const tokensSeen = (v: FakeVault) => v.calls.filter((c) => c.token !== '').length;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-vaulttoken-'));
    base = testEnv({ SOPS_AGE_KEY_FILE: join(dir, 'none.txt'), HOME: dir });
    for (const k of Object.keys(base)) if (k.startsWith('VAULT_')) delete base[k];
    [mine, other] = await Promise.all([startFakeVault(TOKEN), startFakeVault(TOKEN)]);
    const ext = externalAddress();
    if (ext) remote = await startFakeVault(TOKEN, ext);
  });
  after(async () => {
    await Promise.all([mine?.stop(), other?.stop(), remote?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a file naming the Vault in VAULT_ADDR decrypts', async () => {
    const f = await fileOn(mine, 'mine.yaml');
    const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN, VAULT_ADDR: mine.address } });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout.toString(), /on-vault/);
  });

  it('a file naming another Vault than VAULT_ADDR is refused, and that server never sees the token', async () => {
    const f = await fileOn(other, 'other.yaml');
    const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN, VAULT_ADDR: mine.address } });
    assert.notEqual(r.code, 0);
    assert.equal(other.calls.length, 0, 'the other server was contacted');
    assert.match(r.stderr, /SOPS_HC_VAULT_ALLOWLIST/);
    assert.match(r.stderr, /other\.yaml/);
  });

  it('... unless SOPS_HC_VAULT_ALLOWLIST lists it', async () => {
    const f = await fileOn(other, 'other-allowed.yaml');
    const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN, VAULT_ADDR: mine.address, SOPS_HC_VAULT_ALLOWLIST: `${mine.address},${other.address}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(tokensSeen(other), 1);
  });

  it('a loopback http Vault without VAULT_ADDR keeps working (a dev server)', async () => {
    const f = await fileOn(mine, 'dev.yaml');
    const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN } });
    assert.equal(r.code, 0, r.stderr);
  });

  describe('plain http to a non-loopback host', () => {
    before(function () {
      if (!remote) this.skip();
    });

    it('never gets the token', async () => {
      const f = await fileOn(remote!, 'remote.yaml');
      const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN } });
      assert.notEqual(r.code, 0);
      assert.equal(tokensSeen(remote!), 0, 'the token went over plain http');
      assert.match(r.stderr, /plain http/);
      assert.match(r.stderr, /SOPS_HC_VAULT_ALLOWLIST/);
    });

    it('not even when VAULT_ADDR names it, nor with SOPS_HC_VAULT_ALLOWLIST=all', async () => {
      const f = await fileOn(remote!, 'remote2.yaml');
      for (const extra of [{ VAULT_ADDR: remote!.address }, { SOPS_HC_VAULT_ALLOWLIST: 'all' }]) {
        const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN, ...extra } });
        assert.notEqual(r.code, 0);
        assert.equal(tokensSeen(remote!), 0);
      }
    });

    it('gets it when the user lists that exact address', async () => {
      const f = await fileOn(remote!, 'remote3.yaml');
      const r = await runCliAsync(['decrypt', f], { env: { ...base, VAULT_TOKEN: TOKEN, SOPS_HC_VAULT_ALLOWLIST: remote!.address } });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(tokensSeen(remote!), 1);
    });
  });
});
