// git integration: `git setup` writes the drivers into git config and .gitattributes; `git textconv FILE`
// prints decrypted content for git diff/log -p/show; `git merge %O %A %B %P` is the three-way merge driver.
import { spawnSync } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decryptBytes, encryptBytes, isSopsEncrypted } from '../../engine.js';
import { ExitCode, SopsError, asSopsError, printable } from '../../errors.js';
import { readAllStdin, readInput, writeAtomic } from '../../io.js';
import { storeNameFor, storeOfContent, type StoreName } from '../../sops/store.js';
import { extractFlags } from '../../edit/cmdargs.js';
import { describeConflict, renderConflictView } from '../../edit/conflictview.js';
import { mergeEncrypted } from '../../edit/gitmerge.js';
import { PrivateDir } from '../../edit/private.js';
import { info, reportError, warn } from '../console.js';
import { writeStderr, writeStdout } from '../../stdio.js';


const DEFAULT_PATTERNS = ['secrets*.yaml', 'secrets*.yml', 'secrets*.json'];

function git(args: string[], cwd: string, env: NodeJS.ProcessEnv): string {
  const r = spawnSync('git', args, { cwd, env, encoding: 'utf8' });
  if (r.error) throw new SopsError(`could not run git: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}`, ExitCode.Generic);
  if (r.status !== 0) throw new SopsError(`git ${args[0]} failed: ${(r.stderr || '').trim().split('\n')[0]}`, ExitCode.Generic);
  return r.stdout;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_/.,:=+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** How git should call us: the Node binary and the script that is running now, both absolute. */
function selfCommand(): string {
  const script = process.argv[1];
  if (!script) return 'helm secrets';
  return `${shellQuote(process.execPath)} ${shellQuote(script)}`;
}

async function setup(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const x = extractFlags(argv, [
    { name: 'global', value: false },
    { name: 'command', value: true },
    { name: 'attributes-file', value: true },
    { name: 'filter', value: false },
  ]);
  const unknown = x.rest.find((a) => a.startsWith('-'));
  if (unknown) throw new SopsError(`unknown option ${unknown}`, ExitCode.Generic);
  const cwd = process.cwd();
  const top = git(['rev-parse', '--show-toplevel'], cwd, env).trim();
  const cmd = x.values.get('command')?.at(-1) ?? selfCommand();
  // Read before anything is configured, so that a refused attributes file leaves the repository as it was.
  const attrFile = join(top, x.values.get('attributes-file')?.at(-1) ?? '.gitattributes');
  const existing = await attributesText(attrFile);
  const scope = x.bools.has('global') ? '--global' : '--local';
  const set = (k: string, v: string) => git(['config', scope, k, v], top, env);
  set('diff.sopsdiffer.textconv', `${cmd} git textconv`);
  set('diff.sopsdiffer.cachetextconv', 'false');
  set('diff.sopsdiffer.binary', 'false');
  set('merge.sops.name', 'helm-secrets: three-way merge of SOPS-encrypted files');
  set('merge.sops.driver', `${cmd} git merge %O %A %B %P`);
  const filter = x.bools.has('filter');
  if (filter) {
    set('filter.sops.clean', `${cmd} git clean %f`);
    set('filter.sops.smudge', `${cmd} git smudge %f`);
    set('filter.sops.required', 'true');
  }
  info(`git config (${scope.slice(2)}): diff.sopsdiffer and merge.sops drivers installed`);

  const patterns = x.rest.length ? x.rest : DEFAULT_PATTERNS;
  const have = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const add = patterns.map((p) => `${p} diff=sopsdiffer merge=sops${filter ? ' filter=sops' : ''}`).filter((l) => !have.has(l));
  if (add.length) {
    const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
    await writeAtomic(attrFile, existing + sep + add.join('\n') + '\n');
    info(`${attrFile}: added ${add.length} pattern(s): ${patterns.join(' ')}`);
  } else info(`${attrFile}: already up to date`);
  return 0;
}

/**
 * The attributes file as it is ('' when there is none). A clone decides what that name is: git itself does not follow
 * a symlinked .gitattributes, and writing through one would append our lines to whatever it points at (a file in
 * your home directory, say); a FIFO or a device would never finish reading. Both are refused.
 */
async function attributesText(path: string): Promise<string> {
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return '';
  }
  if (st.isSymbolicLink()) throw new SopsError(`${printable(path)} is a symbolic link; refusing to write through it (git does not follow it either)`, ExitCode.CouldNotWriteOutputFile);
  return Buffer.from(await readInput(path)).toString('utf8');
}

/** The store to read a blob with: by extension, else (git's temporary names may lose it) by content. */
export function storeForContent(path: string, bytes: Uint8Array): StoreName {
  const byName = storeNameFor(path);
  return byName !== 'binary' ? byName : (storeOfContent(bytes) ?? 'yaml');
}

async function textconv(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.length !== 1) throw new SopsError('git textconv needs exactly one FILE', ExitCode.NoFileSpecified);
  const file = argv[0];
  const bytes = await readInput(file);
  if (!isSopsEncrypted(bytes, file)) {
    await writeStdout(bytes);
    return 0;
  }
  const inputType = storeForContent(file, bytes);
  try {
    await writeStdout(await decryptBytes(bytes, file, { env, inputType, warn }));
  } catch (err) {
    const e = asSopsError(err);
    if (e.code === ExitCode.MacMismatch) {
      warn(`${file}: MAC mismatch: showing the values anyway, the file may have been changed outside sops`);
      await writeStdout(await decryptBytes(bytes, file, { env, inputType, ignoreMac: true }));
      return 0;
    }
    warn(`${file}: cannot decrypt for diff (${e.message.split('\n')[0]}); showing the encrypted text`);
    await writeStdout(bytes);
  }
  return 0;
}

async function merge(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.length < 4) throw new SopsError('git merge needs BASE OURS THEIRS PATH (git passes %O %A %B %P)', ExitCode.Generic);
  const [basePath, oursPath, theirsPath, path] = argv as [string, string, string, string];
  const files = {
    base: await readInput(basePath),
    ours: await readInput(oursPath),
    theirs: await readInput(theirsPath),
  };
  const encrypted = [files.ours, files.theirs].some((b) => isSopsEncrypted(b, path));
  if (!encrypted) {
    // Plain files under an encrypted-file pattern: git's own line merge, conflict markers and all.
    const r = spawnSync('git', ['merge-file', '-L', 'ours', '-L', 'base', '-L', 'theirs', oursPath, basePath, theirsPath], { env, stdio: 'inherit' });
    return r.status === 0 ? 0 : 1;
  }
  let result;
  try {
    result = await mergeEncrypted(files, path, { env, inputType: storeForContent(path, files.ours), warn });
  } catch (err) {
    // Without the data key there is nothing to merge: keep ours, untouched, and let git report the conflict.
    warn(`${path}: cannot merge encrypted file (${asSopsError(err).message.split('\n')[0]}); kept our version, resolve by hand`);
    return 1;
  }
  await writeFile(oursPath, result.bytes);
  if (result.conflicts.length === 0) {
    info(`${path}: merged encrypted values`);
    return 0;
  }
  const dir = PrivateDir.create(env, 'helm-secrets-conflict-', false);
  const view = dir.writeFile(`${basename(path)}.conflict`, renderConflictView(result.conflicts, { file: path, ours: 'ours', theirs: 'theirs' }));
  const where = result.conflicts.map(describeConflict).join(', ');
  writeStderr(
    `[helm-secrets] CONFLICT (encrypted content): ${printable(path)}: ${result.conflicts.length} value(s) changed on both sides: ${printable(where)}\n` +
      `[helm-secrets] ${printable(path)} is a valid encrypted file with OUR value at each conflict; no plaintext was written to the repository.\n` +
      `[helm-secrets] Decrypted conflict view (delete it when done): ${printable(view)}\n`,
  );
  return 1;
}

/** The blob of PATH in git's index, or undefined when it has none. */
function indexBlob(path: string, env: NodeJS.ProcessEnv): Uint8Array | undefined {
  const r = spawnSync('git', ['cat-file', 'blob', `:${path}`], { env, maxBuffer: 256 * 1024 * 1024 });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * git's clean filter (`git clean %f`): the plaintext of the work tree on stdin, the encrypted file for the index on
 * stdout. When the index already holds an encrypted PATH, its data key and master keys are kept and every value
 * that did not change keeps its ciphertext, so an untouched file cleans to the very same blob (git sees no change)
 * and an edit shows only the values it changed. A new file is encrypted for its creation rule. Input that is
 * already encrypted (a checkout without the key) passes through.
 */
async function cleanFilter(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.length !== 1) throw new SopsError('git clean needs the path (git passes %f)', ExitCode.NoFileSpecified);
  const path = argv[0];
  const plain = await readAllStdin();
  if (isSopsEncrypted(plain, path)) {
    await writeStdout(plain);
    return 0;
  }
  const previous = indexBlob(path, env);
  if (previous && isSopsEncrypted(previous, path)) {
    const { openEncrypted } = await import('../../engine.js');
    const { sealIfChanged } = await import('../../edit/change.js');
    const { cloneBranches } = await import('../../edit/treeops.js');
    const opened = await openEncrypted(previous, path, { env, inputType: storeForContent(path, previous), warn });
    let branches;
    try {
      branches = opened.store.loadPlain(plain);
    } catch (err) {
      throw asSopsError(err, ExitCode.CouldNotReadInputFile, path);
    }
    const sealed = sealIfChanged({ opened, original: previous, pristine: cloneBranches(opened.branches) }, branches);
    await writeStdout(sealed ?? previous);
    return 0;
  }
  await writeStdout(await encryptBytes(plain, path, { env, warn }));
  return 0;
}

/** git's smudge filter (`git smudge %f`): the encrypted blob on stdin, the plaintext for the work tree on stdout. */
async function smudgeFilter(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  if (argv.length !== 1) throw new SopsError('git smudge needs the path (git passes %f)', ExitCode.NoFileSpecified);
  const path = argv[0];
  const bytes = await readAllStdin();
  if (!isSopsEncrypted(bytes, path)) {
    await writeStdout(bytes);
    return 0;
  }
  try {
    await writeStdout(await decryptBytes(bytes, path, { env, inputType: storeForContent(path, bytes), warn }));
  } catch (err) {
    // A checkout must not fail for want of a key: the work tree then holds the encrypted file, which cleans back as it is.
    warn(`${path}: cannot decrypt for the work tree (${asSopsError(err).message.split('\n')[0]}); checked out encrypted`);
    await writeStdout(bytes);
  }
  return 0;
}

export async function runGit(argv: string[], env: NodeJS.ProcessEnv, usage: string): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'setup':
        return await setup(rest, env);
      case 'textconv':
        return await textconv(rest, env);
      case 'merge':
        return await merge(rest, env);
      case 'clean':
        return await cleanFilter(rest, env);
      case 'smudge':
        return await smudgeFilter(rest, env);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(usage + '\n');
        return sub === undefined ? 1 : 0;
      default:
        throw new SopsError(`unknown git subcommand ${JSON.stringify(sub)} (setup, textconv, merge, clean, smudge)`, ExitCode.Generic);
    }
  } catch (err) {
    return reportError(err);
  }
}
