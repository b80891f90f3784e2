// Shared by the edit/git/check integration tests: a temp git repository with a generated age key, and the
// commands run as separate processes (git calls the drivers the same way) through a tiny tsx runner.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { testEnv } from './env.js';
import { ROOT } from './paths.js';

export interface AgeKey {
  identity: string;
  recipient: string;
  file: string;
}

export interface Repo {
  dir: string;
  /** Private place for keys, the runner and editor scripts: outside the repository. */
  aux: string;
  key: AgeKey;
  env: NodeJS.ProcessEnv;
  /** Shell command that runs `helm secrets` from source (for git config). */
  command: string;
  cleanup(): void;
}

export async function newAgeKey(dir: string, name: string): Promise<AgeKey> {
  const identity = await generateIdentity();
  const recipient = await identityToRecipient(identity);
  const file = join(dir, `${name}.txt`);
  writeFileSync(file, `# public key: ${recipient}\n${identity}\n`, { mode: 0o600 });
  return { identity, recipient, file };
}

const RUNNER = `const [cmd, ...rest] = process.argv.slice(2);
if (cmd === '__encrypt' || cmd === '__decrypt') {
  const { encryptBytes, decryptBytes } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'engine.ts')).href)});
  const { readFileSync, writeFileSync } = await import('node:fs');
  try {
    if (cmd === '__encrypt') writeFileSync(rest[0], await encryptBytes(readFileSync(0), rest[0], { env: process.env }));
    else process.stdout.write(await decryptBytes(readFileSync(rest[0]), rest[0], { env: process.env }));
  } catch (e) {
    process.stderr.write(String(e.message));
    process.exitCode = e.code ?? 1;
  }
} else {
// Every command through the CLI's own entry (its runner: options, help, quiet, errors), from the sources.
const { main } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'cli', 'main.ts')).href)});
process.exitCode = await main([cmd, ...rest]);
}
`;

export async function newRepo(): Promise<Repo> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-git-repo-'));
  const aux = mkdtempSync(join(tmpdir(), 'hs-git-aux-'));
  const key = await newAgeKey(aux, 'key1');
  writeFileSync(join(aux, 'hs.mts'), RUNNER);
  const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const command = `'${process.execPath}' --import ${loader} '${join(aux, 'hs.mts')}'`;
  const env = testEnv({ SOPS_AGE_KEY_FILE: key.file, GIT_CONFIG_NOSYSTEM: '1', EDITOR: 'true', HELM_SECRETS_PRIVATE_DIR: join(aux) });
  delete env.VISUAL;
  delete env.SOPS_EDITOR;
  const repo: Repo = { dir, aux, key, env, command, cleanup: () => (rmSync(dir, { recursive: true, force: true }), rmSync(aux, { recursive: true, force: true })) };
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.name', 'Test');
  git(repo, 'config', 'user.email', 'test@example.com');
  git(repo, 'config', 'commit.gpgsign', 'false');
  return repo;
}

export function git(repo: Repo, ...args: string[]): string {
  const r = spawnSync('git', args, { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

export function gitRaw(repo: Repo, ...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('git', args, { cwd: repo.dir, env: repo.env, encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function hs(repo: Repo, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): { code: number; stdout: string; stderr: string } {
  const loader = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  const r = spawnSync(process.execPath, ['--import', loader, join(repo.aux, 'hs.mts'), ...args], {
    cwd: repo.dir,
    env: { ...repo.env, ...opts.env },
    input: opts.input ?? '',
    encoding: 'utf8',
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// The engine runs in a child process too: under mocha's loader the tree classes can load twice.
export async function encryptInto(repo: Repo, name: string, plain: string): Promise<void> {
  const r = hs(repo, ['__encrypt', name], { input: plain });
  if (r.code !== 0) throw Object.assign(new Error(r.stderr), { code: r.code });
}

/** Decrypts (verifying the MAC); rejects with `.code` = the exit code. */
export async function decryptIn(repo: Repo, name: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const r = hs(repo, ['__decrypt', name], { env });
  if (r.code !== 0) throw Object.assign(new Error(r.stderr), { code: r.code });
  return r.stdout;
}

export function sopsYaml(repo: Repo, recipients: string[], extra = ''): void {
  writeFileSync(join(repo.dir, '.sops.yaml'), `creation_rules:\n  - path_regex: secrets.*\\.yaml$\n    age: ${recipients.join(',')}\n${extra}`);
}

export function fiftyKeys(): string {
  return Array.from({ length: 50 }, (_, i) => `key${String(i).padStart(2, '0')}: value${String(i).padStart(2, '0')}`).join('\n') + '\n';
}

/** Node script used as $EDITOR: replaces one line of the file it is given. */
export function replacingEditor(repo: Repo, from: string, to: string): string {
  const script = join(repo.aux, `editor-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `import { readFileSync, writeFileSync } from 'node:fs';\nconst f = process.argv[2];\nwriteFileSync(f, readFileSync(f, 'utf8').replace(${JSON.stringify(from)}, ${JSON.stringify(to)}));\n`,
  );
  return `'${process.execPath}' '${script}'`;
}

export function numstat(repo: Repo, ...args: string[]): string {
  return git(repo, 'diff', '--no-textconv', '--numstat', ...args).trim();
}

/**
 * The keys of the lines a diff changes, and a check that it is exactly `keys` plus the sops lines: `mac`
 * always, `lastmodified` unless both writes fell in the same second (it has second precision).
 */
export function assertMinimalDiff(repo: Repo, keys: string[], ...args: string[]): void {
  const diff = git(repo, 'diff', '--no-textconv', '-U0', ...args);
  const changed = diff
    .split('\n')
    .filter((l) => /^[+-](?![+-]{2} )/.test(l))
    .map((l) => l.slice(1).trim().split(':')[0]!);
  const plus = changed.length / 2;
  const expected = [...keys, 'mac', ...(changed.includes('lastmodified') ? ['lastmodified'] : [])].sort();
  const minus = [...new Set(changed)].sort();
  if (JSON.stringify(minus) !== JSON.stringify(expected) || plus !== expected.length) {
    throw new Error(`diff is not minimal: expected ${expected.join(',')} changed once each, got ${changed.join(',')}`);
  }
  const [a, d] = git(repo, 'diff', '--no-textconv', '--numstat', ...args).trim().split('\t').map(Number);
  if (a !== expected.length || d !== expected.length) throw new Error(`numstat ${a}/${d}, expected ${expected.length}/${expected.length}`);
}
