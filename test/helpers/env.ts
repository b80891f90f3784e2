// A private, throwaway key environment for tests: a temp GNUPGHOME with the vectors' PGP test keys and one
// age key file holding every test identity. Never touches the user's real keyring.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HS_VECTORS, SOPS_VECTORS, CLI } from './paths.js';

export const TEST_AGE_KEY_FILES = [
  join(SOPS_VECTORS, 'external/humphd-sops-age/key.txt'),
  join(HS_VECTORS, 'tests/assets/age/key.txt'),
  join(SOPS_VECTORS, 'age/mock_identity.txt'),
];

export const TEST_PGP_KEY_FILES = [
  join(SOPS_VECTORS, 'pgp/sops_functional_tests_key.asc'),
  join(HS_VECTORS, 'tests/assets/gpg/private.gpg'),
  join(HS_VECTORS, 'tests/assets/gpg/private2.gpg'),
];

let cached: { dir: string; gnupg: string; ageKeyFile: string; home: string } | undefined;

/** Creates (once per process) the temp key environment; removed at process exit. */
export function testKeys(): { dir: string; gnupg: string; ageKeyFile: string; home: string } {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'hs-test-keys-'));
  const gnupg = join(dir, 'gnupg');
  const home = join(dir, 'home');
  mkdirSync(gnupg, { mode: 0o700 });
  mkdirSync(home, { mode: 0o700 });
  for (const f of TEST_PGP_KEY_FILES) {
    spawnSync('gpg', ['--batch', '--quiet', '--import', f], { env: { ...process.env, GNUPGHOME: gnupg }, stdio: 'ignore' });
  }
  const ageKeyFile = join(dir, 'age-keys.txt');
  writeFileSync(ageKeyFile, TEST_AGE_KEY_FILES.map((f) => readFileSync(f, 'utf8').trim()).join('\n') + '\n', { mode: 0o600 });
  cached = { dir, gnupg, ageKeyFile, home };
  process.once('exit', () => {
    spawnSync('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: gnupg }, stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });
  return cached;
}

/** Environment for running the CLI with the test keys; HOME is a temp dir so no real config is read. */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const k = testKeys();
  const env: NodeJS.ProcessEnv = { ...process.env, GNUPGHOME: k.gnupg, SOPS_AGE_KEY_FILE: k.ageKeyFile, HOME: k.home, XDG_CONFIG_HOME: join(k.home, '.config') };
  for (const name of Object.keys(env)) {
    if (name.startsWith('SOPS_') && !(name in extra) && name !== 'SOPS_AGE_KEY_FILE') delete env[name];
    if (name.startsWith('HELM_SECRETS_') && !(name in extra)) delete env[name];
  }
  return { ...env, ...extra };
}

export interface CliResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/** Runs the built CLI (bin/helm-secrets.js) as a user would. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string | Buffer } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    env: opts.env ?? testEnv(),
    cwd: opts.cwd,
    input: opts.input,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? 128 + 1, stdout: r.stdout, stderr: r.stderr.toString('utf8') };
}
