// Finding and running the user's editor: SOPS_EDITOR, VISUAL, EDITOR (shell-style words, so "code --wait"
// works), else vim, nano or vi from PATH; and yes/no questions on the terminal.
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ExitCode, SopsError } from '../errors.js';
import { shellWords } from '../shellwords.js';

export function editorCommand(env: NodeJS.ProcessEnv): string[] {
  for (const name of ['SOPS_EDITOR', 'VISUAL', 'EDITOR']) {
    const v = env[name];
    if (!v || !v.trim()) continue;
    const words = shellWords(v);
    if (!words || words.length === 0) throw new SopsError(`invalid $${name}: unbalanced quotes`, ExitCode.NoEditorFound);
    return words;
  }
  for (const candidate of ['vim', 'nano', 'vi']) {
    const r = spawnSync('sh', ['-c', `command -v ${candidate}`], { env, encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return [r.stdout.trim()];
  }
  throw new SopsError('no editor available: set SOPS_EDITOR, VISUAL or EDITOR (vim, nano and vi are not installed)', ExitCode.NoEditorFound);
}

/** Runs the editor on `file` attached to this terminal; resolves when it exits, rejects if it fails. */
export function runEditor(file: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [cmd, ...args] = editorCommand(env);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args, file], { stdio: 'inherit', env });
    child.once('error', (err) => { reject(new SopsError(`could not run editor ${cmd}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, ExitCode.NoEditorFound)); });
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new SopsError(`editor ${cmd} ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`, ExitCode.NoEditorFound));
    });
  });
}

/** Asks a question on stderr and reads one line from stdin; null at end of input. */
export function askLine(question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
    let answered = false;
    process.stderr.write(question);
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line.trim());
    });
    rl.once('close', () => {
      if (!answered) resolve(null);
    });
  });
}

/** Repeats the question until the answer is y or n (a blank line gives `dflt`); null at end of input. */
export async function askYesNo(question: string, dflt?: boolean): Promise<boolean | null> {
  for (;;) {
    const a = await askLine(question);
    if (a === null) return null;
    const l = a.toLowerCase();
    if (l === 'y' || l === 'yes') return true;
    if (l === 'n' || l === 'no') return false;
    if (l === '' && dflt !== undefined) return dflt;
  }
}
