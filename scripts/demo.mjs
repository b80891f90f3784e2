#!/usr/bin/env node
// npm run demo: the main job end to end with no cloud account. A throwaway age key, a sample values file
// encrypted with it, the encrypted file shown, decrypted again, and a chart rendered by `helm secrets template`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity, identityToRecipient } from 'age-encryption';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'helm-secrets.js');
const work = mkdtempSync(join(tmpdir(), 'helm-secrets-demo-'));
const step = (title) => process.stdout.write(`\n\x1b[1m== ${title}\x1b[0m\n`);

function run(args, env) {
  const r = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(r.stderr);
    throw new Error(`helm secrets ${args[0]} exited ${r.status}`);
  }
  return r;
}

try {
  step('1. a throwaway age key (never leaves the temp dir)');
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const keyFile = join(work, 'keys.txt');
  writeFileSync(keyFile, `# demo key\n${identity}\n`, { mode: 0o600 });
  console.log(`recipient: ${recipient}`);
  const env = { ...process.env, SOPS_AGE_KEY_FILE: keyFile, SOPS_AGE_RECIPIENTS: recipient };

  step('2. a .sops.yaml creation rule and a plain values file');
  writeFileSync(join(work, '.sops.yaml'), `creation_rules:\n    - path_regex: secrets.*\\.yaml$\n      age: ${recipient}\n`);
  const secrets = join(work, 'secrets.yaml');
  copyFileSync(join(root, 'examples', 'demo-secrets.yaml'), secrets);
  process.stdout.write(readFileSync(secrets, 'utf8'));

  step('3. helm secrets encrypt -i secrets.yaml: keys readable, values ENC[...]');
  run(['encrypt', '-i', secrets], env);
  process.stdout.write(readFileSync(secrets, 'utf8'));

  step('4. helm secrets view secrets.yaml');
  process.stdout.write(run(['view', secrets], env).stdout);

  const helm = [join(root, '.helm', 'v4', 'helm'), join(root, '.helm', 'v3', 'helm')].find((p) => existsSync(p));
  if (helm) {
    step('5. helm secrets template demo examples/demo-chart -f secrets.yaml');
    const r = run(['template', 'demo', join(root, 'examples', 'demo-chart'), '-f', secrets], { ...env, HELM_SECRETS_HELM_PATH: helm });
    process.stdout.write(r.stdout);
    process.stderr.write(r.stderr);
  } else {
    step('5. (no helm binary found: run `npm ci` to extract one)');
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
