// exec-env and exec-file: descriptors (src/cli/command.ts); the work is in ops/exec.ts, loaded when one runs.
import { ExitCode, SopsError } from '../errors.js';
import type { Command, CommandContext } from './command.js';
import { commonOptions, type OptionTable } from './options.js';

const SHARED: OptionTable = {
  background: { type: 'boolean', help: "start the command and do not wait for it (deprecated in sops)" },
  user: { type: 'string', arg: 'NAME', help: 'run the command as this user (HOME, USER and LOGNAME set for it)' },
};

const common = () => {
  const c = commonOptions();
  delete c.extract;
  delete c['filename-override'];
  delete c.yes;
  return c;
};

/** FILE and COMMAND, exactly, as sops takes them. */
function fileAndCommand(ctx: CommandContext): [string, string] {
  if (ctx.positionals.length !== 2) throw new SopsError('error: missing file to decrypt', ExitCode.Generic);
  return [ctx.positionals[0], ctx.positionals[1]];
}

const ENV_OWN: OptionTable = {
  ...SHARED,
  pristine: { type: 'boolean', help: 'the command gets only the decrypted values, none of the current environment' },
};

export const execEnv: Command = {
  name: 'exec-env',
  summary: 'run a command with the decrypted values in its environment',
  usage: "helm secrets exec-env [options] FILE 'COMMAND'",
  description: `Runs COMMAND (with /bin/sh -c) with each top-level value of FILE's first document as an environment
variable; nothing decrypted is written anywhere. Nested values, and keys with '=', are refused, as in sops.
The exit status is COMMAND's.`,
  options: { ...common(), ...ENV_OWN },
  parse: 'file',
  async run(ctx) {
    const [file, command] = fileAndCommand(ctx);
    const { execEnv: run } = await import('./ops/exec.js');
    const v = ctx.values;
    return run(file, ctx.args, { command, pristine: v.pristine === true, background: v.background === true, user: v.user as string | undefined });
  },
};

const FILE_OWN: OptionTable = {
  ...SHARED,
  'no-fifo': { type: 'boolean', help: 'a regular 0600 file in the private directory instead of a FIFO' },
  filename: { type: 'string', arg: 'NAME', help: 'name of the file the command gets (default: tmp-file)' },
};

export const execFile: Command = {
  name: 'exec-file',
  summary: 'run a command with the decrypted file as a FIFO ({} in COMMAND)',
  usage: "helm secrets exec-file [options] FILE 'COMMAND {}'",
  description: `Runs COMMAND (with /bin/sh -c) with every {} replaced by the path of the decrypted FILE: a FIFO the command
can read once (or, with --no-fifo, a 0600 file), in a private 0700 directory on tmpfs when the system has one
($XDG_RUNTIME_DIR or /dev/shm), zeroed and removed when COMMAND ends, also on Ctrl+C or kill.
The exit status is COMMAND's. --output-type chooses the file's format.`,
  options: { ...common(), ...FILE_OWN },
  parse: 'file',
  async run(ctx) {
    const [file, command] = fileAndCommand(ctx);
    const { execFile: run } = await import('./ops/exec.js');
    const v = ctx.values;
    return run(file, ctx.args, {
      command,
      pristine: false,
      background: v.background === true,
      user: v.user as string | undefined,
      fifo: v['no-fifo'] !== true,
      filename: v.filename as string | undefined,
    });
  },
};
