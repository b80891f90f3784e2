// Vault transit master key against a local transit engine: sops's URI syntax, entries as sops writes
// them, token sources, namespace, allowlist, and retries on sealed/throttled servers but not on denial.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hcVaultKind } from '../../src/keys/hcvault.js';
import { hcVault } from '../../src/keys/kinds/hcvault.js';
import type { KeyContext } from '../../src/keys/types.js';
import { startFakeVault, type FakeVault } from '../helpers/fake-vault.js';

const hex = (b: Uint8Array | null) => Buffer.from(b ?? []).toString('hex');

describe('Vault transit master key', () => {
  let vault: FakeVault;
  let ctx: KeyContext;
  let home: string;

  before(async () => {
    vault = await startFakeVault();
    home = mkdtempSync(join(tmpdir(), 'hs-vault-home-'));
    ctx = { env: { VAULT_TOKEN: vault.token, HOME: home }, timeoutMs: 3000, attempts: 3 };
  });
  after(async () => {
    await vault?.stop();
    rmSync(home, { recursive: true, force: true });
  });
  beforeEach(() => {
    vault.plan = [];
    vault.fallback = 'ok';
    vault.calls.length = 0;
  });

  const spec = () => hcVault.fromString(`${vault.address}/v1/team/transit/keys/sops-key`, { awsProfile: '' });

  it('wraps and unwraps with created_at, enc, engine_path, key_name, vault_address', async () => {
    const part = randomBytes(32);
    const entry = await hcVaultKind.wrap(spec(), part, ctx);
    assert.deepEqual(Object.keys(entry.fields), ['created_at', 'enc', 'engine_path', 'key_name', 'vault_address']);
    assert.equal(entry.fields.vault_address, vault.address);
    assert.equal(entry.fields.engine_path, 'team/transit');
    assert.equal(entry.fields.key_name, 'sops-key');
    assert.match(String(entry.fields.enc), /^vault:v1:[A-Za-z0-9+/=]+$/);
    assert.equal(hcVault.describe(entry.fields), `${vault.address}/v1/team/transit/keys/sops-key`);
    assert.equal(hex(await hcVaultKind.unwrap(entry, ctx)), hex(part));
    assert.deepEqual(
      vault.calls.map((c) => [c.path, c.token]),
      [
        ['/v1/team/transit/encrypt/sops-key', vault.token],
        ['/v1/team/transit/decrypt/sops-key', vault.token],
      ],
    );
  });

  it('reads the token file when VAULT_TOKEN is unset, and sends VAULT_NAMESPACE', async () => {
    writeFileSync(join(home, '.vault-token'), `${vault.token}\n`);
    const env = { HOME: home, VAULT_NAMESPACE: 'team-a' };
    const entry = await hcVaultKind.wrap(spec(), randomBytes(32), { env });
    assert.equal((await hcVaultKind.unwrap(entry, { env }))?.length, 32);
    assert.deepEqual(vault.calls.map((c) => [c.token, c.namespace]), [
      [vault.token, 'team-a'],
      [vault.token, 'team-a'],
    ]);
    rmSync(join(home, '.vault-token'));
  });

  it('takes VAULT_ADDR when an entry has no address', async () => {
    const entry = await hcVaultKind.wrap(spec(), randomBytes(32), ctx);
    const bare = { kind: 'hc_vault', fields: { ...entry.fields, vault_address: '' } };
    assert.equal((await hcVaultKind.unwrap(bare, { ...ctx, env: { ...ctx.env, VAULT_ADDR: vault.address } }))?.length, 32);
    await assert.rejects(hcVaultKind.unwrap(bare, ctx), /VAULT_ADDR/);
  });

  it('retries a sealed or throttled server, not a denied token', async () => {
    const entry = await hcVaultKind.wrap(spec(), randomBytes(32), ctx);
    vault.calls.length = 0;
    vault.plan = ['unavailable', 'throttle'];
    assert.equal((await hcVaultKind.unwrap(entry, ctx))?.length, 32);
    assert.equal(vault.calls.length, 3);
    vault.calls.length = 0;
    await assert.rejects(hcVaultKind.unwrap(entry, { env: { VAULT_TOKEN: 'wrong', HOME: home } }), /permission denied.*status 403/);
    assert.equal(vault.calls.length, 1);
    vault.fallback = 'unavailable';
    await assert.rejects(hcVaultKind.unwrap(entry, { ...ctx, attempts: 2 }), /Vault is sealed.*status 503.*after 2 attempts/);
  });

  it('stops waiting for a hanging server at the timeout', async () => {
    const entry = await hcVaultKind.wrap(spec(), randomBytes(32), ctx);
    vault.fallback = 'hang';
    await assert.rejects(hcVaultKind.unwrap(entry, { ...ctx, timeoutMs: 200, attempts: 2 }), /timed out after 200ms \(after 2 attempts\)/);
  });

  it('honours SOPS_HC_VAULT_ALLOWLIST', async () => {
    const entry = await hcVaultKind.wrap(spec(), randomBytes(32), ctx);
    const withList = (v: string) => ({ ...ctx, env: { ...ctx.env, SOPS_HC_VAULT_ALLOWLIST: v } });
    assert.equal((await hcVaultKind.unwrap(entry, withList(`https://other, ${vault.address}`)))?.length, 32);
    await assert.rejects(hcVaultKind.unwrap(entry, withList('none')), /does not allow/);
    await assert.rejects(hcVaultKind.unwrap(entry, withList('https://vault.example.com')), /does not allow/);
    await assert.rejects(hcVaultKind.unwrap(entry, withList('a,,b')), /entry 2 is empty/);
  });
});

describe('Vault key URIs (the one parser: the kind descriptor)', () => {
  const fields = (uri: string) => hcVault.fromString(uri, { awsProfile: '' }).fields;
  it('parses sops URIs into address, engine path and key name', () => {
    assert.deepEqual(fields('https://vault.example.com:8200/v1/transit/keys/keyName'), {
      vault_address: 'https://vault.example.com:8200',
      engine_path: 'transit',
      key_name: 'keyName',
    });
    assert.deepEqual(fields('http://127.0.0.1:8200/v1/deep/engine/path/keys/k'), {
      vault_address: 'http://127.0.0.1:8200',
      engine_path: 'deep/engine/path',
      key_name: 'k',
    });
  });

  it('refuses prefixed and malformed URIs with sops\'s messages', () => {
    assert.throws(() => fields('https://vault.example.com/prefix/v1/transit/keys/k'), /running Vault with a prefixed URL is not supported/);
    assert.throws(() => fields('https://vault.example.com/v1/transit'), /Vault key path is not formatted correctly/);
    assert.throws(() => fields('vault.example.com'), /missing scheme in Vault URL/);
  });
});
