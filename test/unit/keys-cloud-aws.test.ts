// AWS KMS master key against moto (a real KMS/STS emulator): entries as sops writes them, encryption
// context enforced, role assumption, key-string parsing, and failures that name the key's cause.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsKmsKind, parseKmsArn, parseKmsContext, stsSessionName } from '../../src/keys/awskms.js';
import { kindOf, loadKind } from '../../src/keys/registry.js';
import { awsKms } from '../../src/keys/kinds/awskms.js';
import type { KeyContext } from '../../src/keys/types.js';
import { createKmsKey, freePort, startMoto, type Moto } from '../helpers/moto.js';
import { requireTool } from '../helpers/tools.js';

const hex = (b: Uint8Array | null) => Buffer.from(b ?? []).toString('hex');

describe('AWS KMS master key (moto)', function () {
  let moto: Moto;
  let arn: string;
  let ctx: KeyContext;

  before(async function () {
    requireTool(this, 'moto_server');
    moto = await startMoto();
    arn = await createKmsKey(moto, 'eu-central-1');
    ctx = { env: moto.env, timeoutMs: 10_000, attempts: 2 };
  });
  after(async () => moto?.stop());

  it('is registered under kms', async () => {
    assert.equal(await loadKind('kms'), awsKmsKind);
    assert.equal(kindOf('kms'), awsKms);
    assert.deepEqual(awsKms.entry.scalar, ['arn', 'aws_profile', 'created_at', 'enc', 'role']);
  });

  it('wraps and unwraps with the fields sops writes, in its order, base64 enc', async () => {
    const part = randomBytes(32);
    const entry = await awsKmsKind.wrap({ kind: 'kms', fields: { arn, aws_profile: '' } }, part, ctx);
    assert.equal(entry.kind, 'kms');
    assert.deepEqual(Object.keys(entry.fields), ['arn', 'aws_profile', 'created_at', 'enc']);
    assert.equal(entry.fields.arn, arn);
    assert.equal(entry.fields.aws_profile, '');
    assert.match(String(entry.fields.created_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(String(entry.fields.enc), /^[A-Za-z0-9+/]+={0,2}$/);
    assert.notEqual(Buffer.from(String(entry.fields.enc), 'base64').indexOf(part), 0);
    assert.equal(hex(await awsKmsKind.unwrap(entry, ctx)), hex(part));
  });

  it('binds the encryption context: the right one opens, another is refused by KMS', async () => {
    const part = randomBytes(33);
    const entry = await awsKmsKind.wrap({ kind: 'kms', fields: { arn, context: 'env:prod,app:web', aws_profile: '' } }, part, ctx);
    assert.deepEqual(Object.keys(entry.fields), ['arn', 'aws_profile', 'context', 'created_at', 'enc']);
    assert.deepEqual(entry.fields.context, { env: 'prod', app: 'web' });
    assert.equal(hex(await awsKmsKind.unwrap(entry, ctx)), hex(part));
    await assert.rejects(
      awsKmsKind.unwrap({ kind: 'kms', fields: { ...entry.fields, context: { env: 'dev', app: 'web' } } }, ctx),
      /InvalidCiphertextException/,
    );
    await assert.rejects(awsKmsKind.unwrap({ kind: 'kms', fields: { ...entry.fields, context: undefined } }, ctx), /InvalidCiphertextException/);
  });

  it('assumes the role first and writes it as role, after enc', async () => {
    const part = randomBytes(32);
    const role = 'arn:aws:iam::123456789012:role/sops-test';
    const entry = await awsKmsKind.wrap({ kind: 'kms', fields: { ...parseKmsArn(`${arn}+${role}`) } }, part, ctx);
    assert.deepEqual(Object.keys(entry.fields), ['arn', 'aws_profile', 'created_at', 'enc', 'role']);
    assert.equal(entry.fields.role, role);
    assert.equal(awsKms.describe(entry.fields), `${arn}+${role}`);
    assert.equal(hex(await awsKmsKind.unwrap(entry, ctx)), hex(part));
  });

  it('uses aws_profile from the shared credentials file and records it in the entry', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-aws-profile-'));
    const saved = { creds: process.env.AWS_SHARED_CREDENTIALS_FILE, config: process.env.AWS_CONFIG_FILE };
    try {
      writeFileSync(join(dir, 'credentials'), '[ci]\naws_access_key_id = testing\naws_secret_access_key = testing\n');
      writeFileSync(join(dir, 'config'), '');
      // The SDK reads these two paths from the process environment itself.
      process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
      process.env.AWS_CONFIG_FILE = join(dir, 'config');
      const env = { AWS_ENDPOINT_URL_KMS: moto.endpoint, AWS_EC2_METADATA_DISABLED: 'true' };
      const part = randomBytes(32);
      const entry = await awsKmsKind.wrap({ kind: 'kms', fields: { arn, aws_profile: 'ci' } }, part, { env, attempts: 1 });
      assert.equal(entry.fields.aws_profile, 'ci');
      assert.equal(hex(await awsKmsKind.unwrap(entry, { env, attempts: 1 })), hex(part));
      await assert.rejects(
        awsKmsKind.unwrap({ kind: 'kms', fields: { ...entry.fields, aws_profile: 'absent' } }, { env, attempts: 1 }),
        /could not load AWS credentials for profile "absent": Could not load credentials/,
      );
    } finally {
      for (const [k, v] of [['AWS_SHARED_CREDENTIALS_FILE', saved.creds], ['AWS_CONFIG_FILE', saved.config]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the cause: unknown key, bad ARN, bad base64', async () => {
    const missing = arn.replace(/key\/.*/, 'key/00000000-0000-0000-0000-000000000000');
    await assert.rejects(awsKmsKind.wrap({ kind: 'kms', fields: { arn: missing, aws_profile: '' } }, randomBytes(32), ctx), /NotFoundException/);
    await assert.rejects(awsKmsKind.wrap({ kind: 'kms', fields: { arn: 'not-an-arn' } }, randomBytes(32), ctx), /no valid ARN found in 'not-an-arn'/);
    await assert.rejects(awsKmsKind.unwrap({ kind: 'kms', fields: { arn, enc: '%%%' } }, ctx), /base64/);
  });

  it('retries an unreachable endpoint a bounded number of times, then reports the cause', async () => {
    const port = await freePort();
    const env = { ...moto.env, AWS_ENDPOINT_URL_KMS: `http://127.0.0.1:${port}` };
    const err = await awsKmsKind.wrap({ kind: 'kms', fields: { arn, aws_profile: '' } }, randomBytes(32), { env, attempts: 3, timeoutMs: 5000 }).then(
      () => assert.fail('wrap succeeded against a closed port'),
      (e: Error) => e,
    );
    assert.match(err.message, /ECONNREFUSED|connect/);
    assert.match(err.message, /after 3 attempts/);
  });
});

describe('AWS KMS key strings', () => {
  it('splits arn+role and removes spaces like sops', () => {
    const a = 'arn:aws:kms:us-east-1:123456789012:key/abc';
    assert.deepEqual(parseKmsArn(` ${a} +arn:aws:iam::1:role/x`), { arn: a, role: 'arn:aws:iam::1:role/x', aws_profile: '' });
    assert.deepEqual(parseKmsArn(a, { k: 'v' }, 'prof'), { arn: a, context: { k: 'v' }, aws_profile: 'prof' });
  });

  it('reads encryption contexts as sops does: malformed or non-string drops the whole context', () => {
    assert.deepEqual(parseKmsContext('a:b,c:d'), { a: 'b', c: 'd' });
    assert.equal(parseKmsContext('a:b,c'), undefined);
    assert.equal(parseKmsContext('a:b:c'), undefined);
    assert.equal(parseKmsContext(''), undefined);
    assert.equal(parseKmsContext({}), undefined);
    assert.deepEqual(parseKmsContext({ x: 'y' }), { x: 'y' });
    assert.equal(parseKmsContext({ x: 1 }), undefined);
  });

  it('names the STS session sops@<host> with sops\'s character filter and 64-character cap', () => {
    // sops's class `[^a-zA-Z0-9=,.@-_]` holds the range @…_ rather than '-', so hyphens go too.
    assert.equal(stsSessionName('build-01.example.com'), 'sops@build01.example.com');
    assert.equal(stsSessionName('a_b[c]^d'), 'sops@a_b[c]^d');
    assert.equal(stsSessionName('my host!#'), 'sops@myhost');
    assert.equal(stsSessionName('x'.repeat(100)).length, 64);
  });
});
