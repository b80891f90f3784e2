#!/usr/bin/env node
// Writes dist/cli.cjs.cache: compiles the bundle without a cache, runs the commands users run most (encrypt,
// decrypt, view, helm template with one and several values files) on a throwaway age key and generated values in a
// private temporary directory, then saves the code V8 compiled for them. Then dist/aws.cjs.cache: the AWS SDK's
// KMS and STS clients build, sign and send a request (to a closed local port, with test credentials; nothing leaves
// the machine). Only this script writes caches, so they hold nothing from a user's run.
'use strict';
const { mkdtempSync, rmSync, writeFileSync, renameSync, chmodSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { loadBundle } = require('../bin/helm-secrets.js');

const DIST = join(__dirname, '..', 'dist');

function save(name, script) {
  const file = join(DIST, `${name}.cjs.cache`);
  const tmp = `${file}.${process.pid}.tmp`;
  const data = script.createCachedData();
  writeFileSync(tmp, data);
  renameSync(tmp, file);
  process.stderr.write(`code cache ${name}: ${data.length} bytes\n`);
}

/** One KMS Decrypt and one STS AssumeRole, each refused by a closed port: the SDK code a KMS key runs. */
async function trainAws() {
  const { exports: aws, script } = loadBundle('aws', false);
  const config = {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    credentials: { accessKeyId: 'training', secretAccessKey: 'training' },
  };
  const { KMSClient, DecryptCommand, EncryptCommand } = aws.clientKms();
  const { STSClient, AssumeRoleCommand } = aws.clientSts();
  const kms = new KMSClient(config);
  const sts = new STSClient(config);
  const attempts = [
    kms.send(new DecryptCommand({ CiphertextBlob: new Uint8Array(32), EncryptionContext: { a: 'b' } })),
    kms.send(new EncryptCommand({ KeyId: 'arn:aws:kms:us-east-1:000000000000:key/x', Plaintext: new Uint8Array(32) })),
    sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/x', RoleSessionName: 'training' })),
  ];
  for (const p of attempts) await p.catch(() => undefined);
  kms.destroy();
  sts.destroy();
  save('aws', script);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hs-train-'));
  chmodSync(dir, 0o700);
  const saved = { ...process.env };
  const stdout = process.stdout.write;
  try {
    const age = await import('age-encryption');
    const identity = await age.generateIdentity();
    const recipient = await age.identityToRecipient(identity);
    writeFileSync(join(dir, 'key.txt'), `${identity}\n`, { mode: 0o600 });
    const values = 'app:\n  name: demo # a comment\n  replicas: 2\n  enabled: true\n  ratio: 0.5\n  tags: [a, b]\n  password: "not a secret"\nlist:\n  - x: 1\n  - y: |\n      text\n';
    for (const name of ['a.yaml', 'b.yaml']) writeFileSync(join(dir, name), values);
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ app: { name: 'demo', n: 1, ok: true, list: [1, 'two'] } }, null, 2));
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: \\.(yaml|json)$\n    age: ${recipient}\n`);
    for (const k of Object.keys(process.env)) if (/^(SOPS_|HELM_SECRETS_|HELM_)/.test(k)) delete process.env[k];
    Object.assign(process.env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', SOPS_AGE_KEY_FILE: join(dir, 'key.txt'), HOME: dir, HELM_SECRETS_HELM_PATH: 'true' });
    process.chdir(dir);
    const { main: run, script } = loadBundle('cli', false);
    // Plaintext of the throwaway values is not shown; the callback still fires, as callers wait for it.
    process.stdout.write = (_chunk, enc, cb) => {
      const done = typeof enc === 'function' ? enc : cb;
      if (done) process.nextTick(done);
      return true;
    };
    const commands = [
      ['enc', 'a.yaml'],
      ['enc', 'b.yaml'],
      ['enc', 'c.json'],
      ['view', 'a.yaml'],
      ['dec', 'c.json'],
      ['--help'],
    ];
    // `true` stands in for helm: it exits 0 whatever it is given (not on Windows, where the cache covers less).
    if (process.platform !== 'win32') commands.push(['template', 'chart', '-f', 'a.yaml'], ['template', 'chart', '-f', 'a.yaml', '-f', 'b.yaml', '--set', 'x=1']);
    for (const argv of commands) {
      const code = await run(argv);
      if (code !== 0) throw new Error(`training command "${argv.join(' ')}" exited with ${code}`);
    }
    process.stdout.write = stdout;
    save('cli', script);
    await trainAws();
  } finally {
    process.stdout.write = stdout;
    process.chdir(__dirname);
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
