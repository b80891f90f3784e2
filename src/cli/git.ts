// git integration: `git setup` writes the drivers into git config and .gitattributes; `git textconv FILE`
// prints decrypted content for git diff/log -p/show; `git merge %O %A %B %P` is the three-way merge driver.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { decryptBytes, isSopsEncrypted } from '../engine.js';
import { ExitCode, SopsError, asSopsError, printable } from '../errors.js';
import { readInput, writeAtomic } from '../io.js';
import { storeNameFor, storeOfContent, type StoreName } from '../sops/store.js';
import { extractFlags } from '../edit/cmdargs.js';
import { describeConflict, renderConflictView } from '../edit/conflictview.js';
import { mergeEncrypted } from '../edit/gitmerge.js';
import { PrivateDir } from '../edit/private.js';
import { info, reportError, warn, writeStdout } from './console.js';
import { registerHelp } from './help.js';

export const HELP = `Usage: helm secrets git setup [--global] [--command CMD] [--attributes-file FILE] [PATTERN...]
       helm secrets git textconv FILE
       helm secrets git merge BASE OURS THEIRS PATH

setup installs two drivers (in the repository's .git/config, or ~/.gitconfig with --global):
  diff.sopsdiffer.textconv   = CMD git textconv      git diff, git log -p and git show print decrypted diffs
  diff.sopsdiffer.cachetextconv = false              never cache decrypted text in git notes
  merge.sops.driver          = CMD git merge %O %A %B %P
and adds 'PATTERN diff=sopsdiffer merge=sops' lines to .gitattributes at the top of the repository
(default patterns: secrets*.yaml secrets*.yml secrets*.json; --attributes-file .git/info/attributes keeps
them out of the tracked tree). CMD defaults to this program with its absolute path.

textconv prints the decrypted file (git calls it; FILE stays untouched). A file that is not encrypted, or that
cannot be decrypted here (no key), is printed as it is, with a warning on stderr: git diff never fails.

merge merges the decrypted trees of BASE, OURS and THEIRS by path: keys changed on one side are taken,
keys changed on both sides to the same value are fine. The result is encrypted again with the same data key,
so every unchanged value keeps its exact ciphertext, and gets a fresh MAC. When both sides changed the same
value differently, the tracked file is still a valid ENCRYPTED file (holding OUR value there), git reports the
conflict, and the decrypted conflict view with <<<<<<< ||||||| ======= >>>>>>> markers is written ONLY to a
private file (0600, in a 0700 directory on tmpfs when available: $XDG_RUNTIME_DIR, /dev/shm, else the
temporary directory; never inside the repository) whose path is printed. Resolve with
'helm secrets set FILE PATH VALUE' or 'helm secrets edit FILE', then 'git add FILE' and delete the view.`;

registerHelp('git', HELP);

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
  ]);
  const unknown = x.rest.find((a) => a.startsWith('-'));
  if (unknown) throw new SopsError(`unknown option ${unknown}`, ExitCode.Generic);
  const cwd = process.cwd();
  const top = git(['rev-parse', '--show-toplevel'], cwd, env).trim();
  const cmd = x.values.get('command')?.at(-1) ?? selfCommand();
  const scope = x.bools.has('global') ? '--global' : '--local';
  const set = (k: string, v: string) => git(['config', scope, k, v], top, env);
  set('diff.sopsdiffer.textconv', `${cmd} git textconv`);
  set('diff.sopsdiffer.cachetextconv', 'false');
  set('diff.sopsdiffer.binary', 'false');
  set('merge.sops.name', 'helm-secrets: three-way merge of SOPS-encrypted files');
  set('merge.sops.driver', `${cmd} git merge %O %A %B %P`);
  info(`git config (${scope.slice(2)}): diff.sopsdiffer and merge.sops drivers installed`);

  const attrFile = join(top, x.values.get('attributes-file')?.at(-1) ?? '.gitattributes');
  const patterns = x.rest.length ? x.rest : DEFAULT_PATTERNS;
  const existing = existsSync(attrFile) ? readFileSync(attrFile, 'utf8') : '';
  const have = new Set(existing.split(/\r?\n/).map((l) => l.trim()));
  const add = patterns.map((p) => `${p} diff=sopsdiffer merge=sops`).filter((l) => !have.has(l));
  if (add.length) {
    const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
    await writeAtomic(attrFile, existing + sep + add.join('\n') + '\n');
    info(`${attrFile}: added ${add.length} pattern(s): ${patterns.join(' ')}`);
  } else info(`${attrFile}: already up to date`);
  return 0;
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
  process.stderr.write(
    `[helm-secrets] CONFLICT (encrypted content): ${printable(path)}: ${result.conflicts.length} value(s) changed on both sides: ${printable(where)}\n` +
      `[helm-secrets] ${printable(path)} is a valid encrypted file with OUR value at each conflict; no plaintext was written to the repository.\n` +
      `[helm-secrets] Decrypted conflict view (delete it when done): ${printable(view)}\n`,
  );
  return 1;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'setup':
        return await setup(rest, env);
      case 'textconv':
        return await textconv(rest, env);
      case 'merge':
        return await merge(rest, env);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(HELP + '\n');
        return sub === undefined ? 1 : 0;
      default:
        throw new SopsError(`unknown git subcommand ${JSON.stringify(sub)} (setup, textconv, merge)`, ExitCode.Generic);
    }
  } catch (err) {
    return reportError(err);
  }
}
