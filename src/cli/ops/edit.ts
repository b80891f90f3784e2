// edit FILE: decrypt into a private file, run the user's editor, re-encrypt on save with the same data key.
// Unchanged values keep their exact ENC strings; no change leaves the file byte-identical; the original is never damaged.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { encryptBytes, metadataMapping, readMetadata, sealProblem } from '../../engine.js';
import { ExitCode, HelmSecretsError, OwnCheck, SopsError, asSopsError } from '../../errors.js';
import { storeNameFor, type Store, type StoreName } from '../../sops/store.js';
import type { Branches } from '../../sops/tree.js';
import { attachMetadata, splitMetadata, type Metadata } from '../../sops/metadata.js';
import { metadataKeyOf } from '../../sops/store.js';
import { commit, openSession, seal } from '../../edit/change.js';
import { askYesNo, runEditor } from '../../edit/editor.js';
import { Unsupported, defaultBackend, type Backend } from '../../helm/backends.js';
import { callCustom } from '../../helm/custombackend.js';
import { PrivateDir } from '../../edit/private.js';
import { branchesEqual } from '../../edit/treeops.js';
import { getStore } from '../../sops/stores/index.js';
import type { FileCommandArgs } from '../args.js';
import { info, lockOptions, reportError, warn } from '../console.js';
import { withFileLock } from '../../lock.js';
import { writeAtomic } from '../../io.js';
import { writeStderr } from '../../stdio.js';


const EXAMPLES: Record<StoreName, string> = {
  yaml: 'hello: Welcome to SOPS! Edit this file as you please!\nexample_key: example_value\n',
  json: '{\n\t"hello": "Welcome to SOPS! Edit this file as you please!",\n\t"example_key": "example_value"\n}\n',
  dotenv: 'hello=Welcome to SOPS! Edit this file as you please!\nexample_key=example_value\n',
  ini: '[example]\nhello=Welcome to SOPS! Edit this file as you please!\nexample_key=example_value\n',
  binary: 'Welcome to SOPS! Edit this file as you please!\n',
};

type Outcome = { kind: 'unchanged' } | { kind: 'changed'; bytes: Uint8Array; branches: Branches; metadata?: Metadata };

/** First line only: parser messages may carry a code frame with the edited (secret) text. */
function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/**
 * Runs the editor on `plain` until the result parses (or the user gives up). `baseline` is the tree the
 * plaintext stands for: an edit whose tree equals it is "unchanged", whatever happened to the formatting.
 */
async function editLoop(file: string, plain: Uint8Array, store: Store, baseline: Branches | null, env: NodeJS.ProcessEnv, metadata?: Metadata): Promise<Outcome> {
  // An earlier edit killed with SIGKILL left its plaintext behind: remove it first.
  const { cleanStaleDirs, defaultRoots } = await import('../../helm/cleanup.js');
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
        const shown = metadata ? readWithMetadata(store, edited) : { branches: store.loadPlain(edited), metadata: undefined };
        const branches = shown.branches;
        const cannot = sealProblem(store.name, branches);
        if (shown.metadata && shown.metadata.keyGroups.every((g) => g.length === 0)) problem = 'no master keys are left, so the file could not be encrypted';
        else if (cannot?.kind === 'reserved') problem = `the key '${cannot.key}' is reserved for SOPS metadata`;
        else if (cannot) problem = 'the file has no document';
        else {
          const sameKeys = !metadata || JSON.stringify(metadataMapping(shown.metadata!)) === JSON.stringify(metadataMapping(metadata));
          if (baseline && sameKeys && branchesEqual(branches, baseline)) return { kind: 'unchanged' };
          return { kind: 'changed', bytes: edited, branches, metadata: shown.metadata };
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

/**
 * edit --show-master-keys: the edited text holds the `sops` metadata too (as sops shows it: values decrypted, the
 * master keys' entries as they are); what comes back is split into the data and the metadata the file keeps.
 */
function readWithMetadata(store: Store, edited: Uint8Array): { branches: Branches; metadata?: Metadata } {
  const branches = store.loadEncrypted(edited);
  const meta = splitMetadata(branches, metadataKeyOf(store.name));
  if (!meta) throw new SopsError('the sops metadata is missing', ExitCode.CouldNotReadInputFile);
  let metadata: Metadata;
  try {
    metadata = readMetadata(meta);
  } catch (err) {
    throw new SopsError(`the sops metadata is invalid: ${firstLine(err)}`, ExitCode.CouldNotReadInputFile);
  }
  return { branches, metadata };
}

/** The text the editor shows: the data, with the metadata after it when asked for. */
function editorText(store: Store, branches: Branches, metadata?: Metadata): Uint8Array {
  if (!metadata) return store.emitPlain(branches);
  const copy = store.loadPlain(store.emitPlain(branches));
  attachMetadata(copy, metadataMapping(metadata), metadataKeyOf(store.name));
  return store.emitEncrypted(copy);
}

async function editExisting(file: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const session = await openSession(file, { ...args.common, warn });
  const store = session.opened.store;
  const shown = args.values['show-master-keys'] === true ? session.opened.metadata : undefined;
  const plain = editorText(store, session.opened.branches, shown);
  const baseline = shown ? readWithMetadata(store, plain).branches : store.loadPlain(plain);
  const out = await editLoop(file, plain, store, baseline, env, shown);
  if (out.kind === 'unchanged') {
    info(`${file}: file has not changed, left as it was`);
    return ExitCode.FileHasNotBeenModified;
  }
  // As sops: the metadata as edited is what the file keeps (the data key stays the same).
  if (out.metadata) session.opened.metadata = { ...out.metadata, lastModified: session.opened.metadata.lastModified, mac: session.opened.metadata.mac };
  await commit(file, seal(session, out.branches));
  info(`${file}: saved`);
  return 0;
}

async function editNew(file: string, args: FileCommandArgs, env: NodeJS.ProcessEnv): Promise<number> {
  const common = { ...args.common, warn };
  const cwd = common.cwd ?? process.cwd();
  // Resolve the keys before the editor opens, so a missing creation rule never costs the user their typing.
  const { resolveEncryptionSettings } = await import('../../config/config.js');
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

/** edit FILE (one): the existing file in the editor, or a new one from an example, under FILE's lock. */
export async function runEdit(args: FileCommandArgs, env: NodeJS.ProcessEnv, usage: string): Promise<number> {
  if (args.files.length === 0) {
    // As helm-secrets: the usage, then the refusal.
    writeStderr(usage + '\n');
    throw OwnCheck.noFile();
  }
  if (args.files.length > 1) throw new HelmSecretsError('Error: edit takes exactly one FILE.');
  const file = args.files[0];
  try {
    const cwd = args.common.cwd ?? process.cwd();
    const runEnv = args.common.env ?? env;
    // A new file in a directory that does not exist could never be saved: refuse before the editor opens.
    const dir = dirname(file);
    if (!existsSync(resolve(cwd, dir))) throw OwnCheck.noDirectory(dir);
    const backend = defaultBackend(runEnv);
    if (backend.kind !== 'sops') return await editOther(backend, resolve(cwd, file), runEnv);
    // The lock is held while the editor is open: a set or another edit of the same file waits (bounded) for
    // this one to save, instead of being overwritten by it.
    return await withFileLock(resolve(cwd, file), lockOptions(runEnv, 'edit'), async () =>
      existsSync(resolve(cwd, file)) ? await editExisting(file, args, runEnv) : await editNew(file, args, runEnv),
    );
  } catch (err) {
    return reportError(asSopsError(err), file);
  }
}

/**
 * edit with another backend, as helm-secrets does: noop opens the file itself in the editor (it is plaintext), a
 * custom backend's _custom_backend_edit_file runs in the file's directory with the terminal, vals cannot edit.
 */
async function editOther(backend: Backend, path: string, env: NodeJS.ProcessEnv): Promise<number> {
  if (backend.kind === 'vals') throw Unsupported.valsEdit();
  if (backend.kind === 'noop') {
    await runEditor(path, env);
    return 0;
  }
  return (await callCustom(backend, 'edit_file', ['yaml', basename(path)], { env, cwd: dirname(path), interactive: true })).code;
}
