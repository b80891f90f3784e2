// filestatus: descriptor (src/cli/command.ts); the check is in ops/filestatus.ts, loaded when it runs.
import { ExitCode, SopsError } from '../errors.js';
import type { Command } from './command.js';

export const filestatus: Command = {
  name: 'filestatus',
  summary: 'print {"encrypted":true|false} for a file (as sops)',
  usage: 'helm secrets filestatus [--input-type TYPE] FILE',
  description: `Prints {"encrypted":true} when FILE is a sops file (its format's metadata with a version and a MAC), else
{"encrypted":false}. A file that cannot be parsed in its format is an error (exit 1).`,
  options: {
    'input-type': { type: 'string', arg: 'TYPE', help: 'yaml, json, dotenv, ini or binary (default: from the extension)' },
    quiet: { type: 'boolean', short: 'q', help: 'no [helm-secrets] messages' },
    help: { type: 'boolean', short: 'h', help: 'this help' },
  },
  parse: 'own',
  async run(ctx) {
    const file = ctx.positionals[0];
    if (file === undefined) throw new SopsError('Error: no file specified', ExitCode.NoFileSpecified);
    const { fileStatus } = await import('./ops/filestatus.js');
    const status = await fileStatus(file, ctx.values['input-type'] as string | undefined);
    process.stdout.write(JSON.stringify(status) + '\n');
    return 0;
  },
};
