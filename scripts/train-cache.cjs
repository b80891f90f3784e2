#!/usr/bin/env node
// Writes dist/cli.cjs.cache, dist/commands.cjs.cache and dist/agelib.cjs.cache: compiles both halves of the CLI and
// the age library without a cache, runs the commands users run most (version, help, encrypt, decrypt, view, helm
// template with one and several values files) on a throwaway age key and generated values in a private temporary
// directory, then saves the code V8 compiled for each. Then dist/aws.cjs.cache: the AWS SDK's
// KMS and STS clients build, sign and send a request (to a closed local port, with test credentials; nothing leaves
// the machine); and dist/aws-refs.cjs.cache the same way for the Secrets Manager, SSM and S3 clients.
// Then, each in a fresh process (a second compile in this one would reuse what V8 already compiled), one cache of the
// commands bundle per command family (src/packages.ts CodeCache): dist/commands.cjs.decrypt.cache from a decryption
// to stdout and the getter, dist/commands.cjs.sops.cache from bin/sops decrypting, dist/commands.cjs.helm.cache from
// helm template through the wrapper. V8 reads a whole cache when it loads one, so a family's own is smaller and
// faster to load than the general one (measured: a decrypt about 3 ms of CPU less). Only this script writes caches,
// so they hold nothing from a user's run.
'use strict';
const { existsSync, mkdtempSync, rmSync, writeFileSync, renameSync, chmodSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');
const { loadBundle } = require('../bin/helm-secrets.js');

const DIST = join(__dirname, '..', 'dist');

/**
 * The commands a family's cache is trained on, [entry, argv] (helm is `true` here: the wrapper runs, helm does
 * nothing). bin/sops has a family of its own: its command line and messages would add a tenth to the decrypt cache.
 */
const FAMILIES = {
  decrypt: [
    ['helm-secrets', ['decrypt', 'a.yaml']],
    ['helm-secrets', ['downloader', '', '', '', 'secrets://a.yaml']],
  ],
  sops: [['sops', ['decrypt', 'a.yaml']]],
  helm: [
    ['helm-secrets', ['template', 'chart', '-f', 'a.yaml']],
    ['helm-secrets', ['template', 'chart', '-f', 'a.yaml', '-f', 'b.yaml', '--set', 'x=1']],
  ],
};

function save(name, script, family) {
  const file = join(DIST, family ? `${name}.cjs.${family}.cache` : `${name}.cjs.cache`);
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

/**
 * The CLI's front compiled without a cache, started as the entry point starts it: the front asks for the commands
 * bundle through the loader it is handed (startRun), here one that hands out uncached copies whose compiled code is
 * then saved. As the entry point's: a bundle that is not in dist/ (vendor/* outside a packaged plugin) is undefined.
 * Plaintext of the throwaway values is not shown (stdout swallowed; the callback still fires, as callers wait for it).
 */
function uncachedCli() {
  const scripts = {};
  const precompiled = (name) =>
    scripts[name] || existsSync(join(DIST, `${name}.cjs`)) ? (scripts[name] ??= loadBundle(name, false)).exports : undefined;
  const cli = precompiled('cli');
  cli.startRun({ precompiled });
  const stdout = process.stdout.write;
  process.stdout.write = (_chunk, enc, cb) => {
    const done = typeof enc === 'function' ? enc : cb;
    if (done) process.nextTick(done);
    return true;
  };
  const run = async (argv, entry) => {
    const code = await cli.main(argv, entry);
    if (code !== 0) throw new Error(`training command "${entry === 'sops' ? 'sops ' : ''}${argv.join(' ')}" exited with ${code}`);
  };
  return { scripts, run, restore: () => (process.stdout.write = stdout) };
}

/** A family's cache (FAMILIES), in this fresh process, in the directory the general training prepared. */
async function trainFamily(family, dir) {
  process.chdir(dir);
  const { scripts, run, restore } = uncachedCli();
  try {
    for (const [entry, argv] of FAMILIES[family]) await run(argv, entry);
  } finally {
    restore();
  }
  save('commands', scripts.commands.script, family);
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'hs-train-'));
  chmodSync(dir, 0o700);
  // Also when a training command ends the process (process.exit skips the finally below).
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const saved = { ...process.env };
  let restore = () => undefined;
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
    const cli = uncachedCli();
    restore = cli.restore;
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
    if (process.platform !== 'win32') commands.push(...FAMILIES.helm.map(([, argv]) => argv));
    for (const argv of commands) await cli.run(argv);
    // bin/sops's entry, last (it switches the messages to sops's style for the rest of the process).
    for (const argv of [['decrypt', 'a.yaml'], ['decrypt', '--output-type', 'json', 'c.json']]) await cli.run(argv, 'sops');
    restore();
    save('cli', cli.scripts.cli.script);
    save('commands', cli.scripts.commands.script);
    // The age library, as the `enc` commands above ran it (they encrypt to an age recipient).
    if (!cli.scripts.agelib) throw new Error('the training commands did not load dist/agelib.cjs');
    save('agelib', cli.scripts.agelib.script);
    await trainAws();
    await trainAwsRefs();
    // The families, on the files encrypted above (so that their caches hold no encryption code).
    for (const family of Object.keys(FAMILIES)) {
      if (family === 'helm' && process.platform === 'win32') continue;
      const r = spawnSync(process.execPath, [__filename, '--family', family, dir], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`training the ${family} cache: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
      process.stderr.write(r.stderr);
    }
  } finally {
    restore();
    process.chdir(__dirname);
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  }
}

const familyArg = process.argv[2] === '--family' ? process.argv[3] : undefined;
(familyArg && FAMILIES[familyArg] ? trainFamily(familyArg, process.argv[4]) : main()).catch((err) => {
  process.stderr.write(`${err && err.message ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
