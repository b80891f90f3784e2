#!/usr/bin/env node
// Writes dist/cli.cjs.cache, dist/commands.cjs.cache and dist/agelib.cjs.cache: compiles both halves of the CLI and
// the age library without a cache, runs the commands users run most (version, help, encrypt, decrypt, view, helm
// template with one and several values files) on a throwaway age key and generated values in a private temporary
// directory, then saves the code V8 compiled for each. Then dist/aws.cjs.cache: the AWS SDK's
// KMS and STS clients build, sign and send a request (to a closed local port, with test credentials; nothing leaves
// the machine); and dist/aws-refs.cjs.cache the same way for the Secrets Manager, SSM and S3 clients. Only this
// script writes caches, so they hold nothing from a user's run.
'use strict';
const { existsSync, mkdtempSync, rmSync, writeFileSync, renameSync, chmodSync } = require('node:fs');
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

/** One read of each reference store (Secrets Manager, SSM, S3), refused by a closed port: the SDK code they run. */
async function trainAwsRefs() {
  const { exports: aws, script } = loadBundle('aws-refs', false);
  const config = {
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
    credentials: { accessKeyId: 'training', secretAccessKey: 'training' },
  };
  const { SecretsManagerClient, GetSecretValueCommand } = aws.secretsManager();
  const { SSMClient, GetParameterCommand, GetParametersByPathCommand } = aws.ssm();
  const { S3Client, GetObjectCommand } = aws.s3();
  const clients = [new SecretsManagerClient(config), new SSMClient(config), new S3Client(config)];
  const [sm, ssm, s3] = clients;
  // Each refusal is caught as soon as it is made, so none goes unhandled while another is awaited.
  await Promise.all(
    [
      sm.send(new GetSecretValueCommand({ SecretId: 'training' })),
      ssm.send(new GetParameterCommand({ Name: '/training', WithDecryption: true })),
      ssm.send(new GetParametersByPathCommand({ Path: '/training', WithDecryption: true })),
      s3.send(new GetObjectCommand({ Bucket: 'training', Key: 'training' })),
    ].map((p) => p.catch(() => undefined)),
  );
  for (const c of clients) c.destroy();
  save('aws-refs', script);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hs-train-'));
  chmodSync(dir, 0o700);
  // Also when a training command ends the process (process.exit skips the finally below).
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
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
    // The front asks for the commands bundle through the loader the entry point hands it (startRun); here it hands
    // out uncached copies whose compiled code is then saved. As the entry point's: a bundle that is not in dist/
    // (vendor/* outside a packaged plugin) is undefined.
    const scripts = {};
    const precompiled = (name) =>
      scripts[name] || existsSync(join(DIST, `${name}.cjs`)) ? (scripts[name] ??= loadBundle(name, false)).exports : undefined;
    const cli = precompiled('cli');
    cli.startRun({ precompiled });
    const run = cli.main;
    // Plaintext of the throwaway values is not shown; the callback still fires, as callers wait for it.
    process.stdout.write = (_chunk, enc, cb) => {
      const done = typeof enc === 'function' ? enc : cb;
      if (done) process.nextTick(done);
      return true;
    };
    const commands = [
      ['version'],
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
    // bin/sops's entry, last (it switches the messages to sops's style for the rest of the process).
    for (const argv of [['decrypt', 'a.yaml'], ['decrypt', '--output-type', 'json', 'c.json']]) {
      const code = await run(argv, 'sops');
      if (code !== 0) throw new Error(`training command "sops ${argv.join(' ')}" exited with ${code}`);
    }
    process.stdout.write = stdout;
    save('cli', scripts.cli.script);
    save('commands', scripts.commands.script);
    // The age library, as the `enc` commands above ran it (they encrypt to an age recipient).
    if (!scripts.agelib) throw new Error('the training commands did not load dist/agelib.cjs');
    save('agelib', scripts.agelib.script);
    await trainAws();
    await trainAwsRefs();
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
