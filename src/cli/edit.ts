// edit FILE: decrypt into a private file, run the user's editor, re-encrypt on save with the same data key.
// Unchanged values keep their exact ENC strings; no change leaves the file byte-identical; the original is never damaged.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { encryptBytes, sealProblem } from '../engine.js';
import { ExitCode, HelmSecretsError, OwnCheck, SopsError, asSopsError } from '../errors.js';
import { storeNameFor, type Store, type StoreName } from '../sops/store.js';
import type { Branches } from '../sops/tree.js';
import { commit, openSession, seal } from '../edit/change.js';
import { askYesNo, runEditor } from '../edit/editor.js';
import { PrivateDir } from '../edit/private.js';
import { branchesEqual } from '../edit/treeops.js';
import { getStore } from '../sops/stores/index.js';
import { parseFileCommand, type FileCommandArgs } from './args.js';
import { info, lockOptions, reportError, setQuiet, warn } from './console.js';
import { withFileLock } from '../lock.js';
import { registerHelp } from './help.js';
import { writeAtomic } from '../io.js';

export const HELP = `Edit encrypted secrets

Usage: helm secrets edit [options] FILE
Opens the decrypted FILE in your editor and re-encrypts it when you save and quit.
Editor: $SOPS_EDITOR, else $VISUAL, else $EDITOR (arguments allowed: EDITOR="code --wait"), else vim, nano or vi.
The plaintext lives only in a private temporary file (0600 in a 0700 directory, on tmpfs when the system has
one: $XDG_RUNTIME_DIR or /dev/shm), overwritten with zeros and removed afterwards, also on Ctrl+C or kill.
- Values you did not change keep their exact ENC[...] string, so 'git diff' shows only the keys you changed
  plus the MAC and lastmodified lines.
- When nothing changed (or only formatting that does not change any value), FILE is left byte-identical and
  the exit status is 200, as in sops ("file has not changed").
- When the edited text does not parse, you are asked whether to reopen the editor (on a terminal); otherwise
  the edit is aborted (exit 2). FILE is only ever replaced atomically by a complete encrypted file.
- When FILE does not exist, it is created from an example, encrypted for the keys of the matching .sops.yaml
  creation rule (or the key options below).

Encryption options for a new file: -a/--age, -p/--pgp, -k/--kms, --gcp-kms, --azure-kv, --hc-vault-transit,
  --encrypted-regex and the other rule options (see 'helm secrets encrypt --help').
Options: --ignore-mac, --input-type, --config, --decryption-order, --indent, -q/--quiet.`;

registerHelp('edit', HELP);

const EXAMPLES: Record<StoreName, string> = {
  yaml: 'hello: Welcome to SOPS! Edit this file as you please!\nexample_key: example_value\n',
  json: '{\n\t"hello": "Welcome to SOPS! Edit this file as you please!",\n\t"example_key": "example_value"\n}\n',
  dotenv: 'hello=Welcome to SOPS! Edit this file as you please!\nexample_key=example_value\n',
  ini: '[example]\nhello=Welcome to SOPS! Edit this file as you please!\nexample_key=example_value\n',
  binary: 'Welcome to SOPS! Edit this file as you please!\n',
};

type Outcome = { kind: 'unchanged' } | { kind: 'changed'; bytes: Uint8Array; branches: Branches };

/** First line only: parser messages may carry a code frame with the edited (secret) text. */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/**
 * Runs the editor on `plain` until the result parses (or the user gives up). `baseline` is the tree the
 * plaintext stands for: an edit whose tree equals it is "unchanged", whatever happened to the formatting.
 */
async function editLoop(file: string, plain: Uint8Array, store: Store, baseline: Branches | null, env: NodeJS.ProcessEnv): Promise<Outcome> {
  // An earlier edit killed with SIGKILL left its plaintext behind: remove it first.
  const { cleanStaleDirs, defaultRoots } = await import('../helm/cleanup.js');
  await cleanStaleDirs(defaultRoots(env)).catch(() => 0);
  const dir = PrivateDir.create(env, 'helm-secrets-edit-');
  try {
    const tmp = dir.writeFile(basename(file), plain);
    for (;;) {
      dir.holdInterrupts = true;
      try {
        await runEditor(tmp, env);
      } finally {
        dir.holdInterrupts = false;
      }
      const edited = readFileSync(tmp);
      if (Buffer.compare(edited, plain) === 0) return { kind: 'unchanged' };
      let problem: string;
      try {
        const branches = store.loadPlain(edited);
        const cannot = sealProblem(store.name, branches);
        if (cannot?.kind === 'reserved') problem = `the key '${cannot.key}' is reserved for SOPS metadata`;
        else if (cannot) problem = 'the file has no document';
        else {
          if (baseline && branchesEqual(branches, baseline)) return { kind: 'unchanged' };
          return { kind: 'changed', bytes: edited, branches };
        }
      } catch (err) {
        problem = `not valid ${store.name}: ${firstLine(err)}`;
      }
      warn(`${file}: the edited text is ${problem.startsWith('not') ? problem : `not usable: ${problem}`}`);
      if (process.stdin.isTTY) {
        const again = await askYesNo('[helm-secrets] Reopen the editor to fix it? [Y/n] ', true);
        if (again) continue;
      }
      throw new SopsError(`edit aborted: ${problem}; the file was left unchanged`, ExitCode.CouldNotReadInputFile);
    }
  } finally {
    dir.wipeSync();
  }
}

async function editExisting(file: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const session = await openSession(file, { ...args.common, warn });
  const store = session.opened.store;
  const plain = store.emitPlain(session.opened.branches);
  const baseline = store.loadPlain(plain);
  const out = await editLoop(file, plain, store, baseline, env);
  if (out.kind === 'unchanged') {
    info(`${file}: file has not changed, left as it was`);
    return ExitCode.FileHasNotBeenModified;
  }
  await commit(file, seal(session, out.branches));
  info(`${file}: saved`);
  return 0;
}

async function editNew(file: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const common = { ...args.common, warn };
  const cwd = common.cwd ?? process.cwd();
  // Resolve the keys before the editor opens, so a missing creation rule never costs the user their typing.
  const { resolveEncryptionSettings } = await import('../config/config.js');
  resolveEncryptionSettings({ filePath: resolve(cwd, file), cwd, env, configPath: common.configPath, flags: args.flags });
  const name = storeNameFor(file, common.inputType);
  const store = await getStore(name);
  const example = Buffer.from(EXAMPLES[name], 'utf8');
  const out = await editLoop(file, example, store, null, env);
  if (out.kind === 'unchanged') {
    info(`${file}: file has not changed, nothing created`);
    return ExitCode.FileHasNotBeenModified;
  }
  const enc = await encryptBytes(out.bytes, file, { ...common, flags: args.flags });
  await writeAtomic(file, enc);
  info(`${file}: created`);
  return 0;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  let file: string | undefined;
  try {
    const args = parseFileCommand(argv, env, 'edit');
    if (args.help) {
      process.stdout.write(HELP + '\n');
      return 0;
    }
    if (args.quiet) setQuiet(true);
    if (args.files.length === 0) {
      // As helm-secrets: the usage, then the refusal.
      process.stderr.write(HELP + '\n');
      throw OwnCheck.noFile();
    }
    if (args.files.length > 1) throw new HelmSecretsError('Error: edit takes exactly one FILE.');
    file = args.files[0]!;
    const cwd = args.common.cwd ?? process.cwd();
    const runEnv = args.common.env ?? env;
    const target = file;
    // A new file in a directory that does not exist could never be saved: refuse before the editor opens.
    const dir = dirname(target);
    if (!existsSync(resolve(cwd, dir))) throw OwnCheck.noDirectory(dir);
    // The lock is held while the editor is open: a set or another edit of the same file waits (bounded) for
    // this one to save, instead of being overwritten by it.
    return await withFileLock(resolve(cwd, target), lockOptions(runEnv, 'edit'), async () =>
      existsSync(resolve(cwd, target)) ? await editExisting(target, args, runEnv) : await editNew(target, args, runEnv),
    );
  } catch (err) {
    return reportError(asSopsError(err), file);
  }
}
