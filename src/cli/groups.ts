// groups add / groups delete: descriptors (src/cli/command.ts), one per subcommand; the work is in ops/groups.ts.
import { ExitCode, SopsError } from '../errors.js';
import { helpPage, runCommand, type Command, type CommandContext } from './command.js';
import { prefixedKeyOptions, type OptionTable } from './options.js';

const SHARED: OptionTable = {
  file: { type: 'string', short: 'f', arg: 'FILE', help: 'the sops file to change' },
  'in-place': { type: 'boolean', short: 'i', help: 'write the result back into FILE (atomic) instead of stdout' },
  'shamir-secret-sharing-threshold': { type: 'string', arg: 'N', help: 'the number of key groups needed to decrypt from now on' },
  quiet: { type: 'boolean', short: 'q', help: 'no [helm-secrets] messages' },
  help: { type: 'boolean', short: 'h', help: 'this help' },
};

function fileOf(ctx: CommandContext): string {
  const f = ctx.values.file;
  if (typeof f !== 'string' || f === '') throw new SopsError('groups: --file FILE is required', ExitCode.NoFileSpecified);
  return f;
}

function threshold(ctx: CommandContext): number | undefined {
  const t = ctx.values['shamir-secret-sharing-threshold'];
  if (t === undefined) return undefined;
  if (typeof t !== 'string' || !/^\d+$/.test(t) || Number(t) > 255) {
    throw new SopsError(`--shamir-secret-sharing-threshold must be a whole number from 0 to 255, got ${JSON.stringify(t)}`, ExitCode.Generic);
  }
  return Number(t);
}

/** The flags of groups add; made when it is parsed, not when the CLI loads. */
function addOwn(): OptionTable {
  return {
    ...prefixedKeyOptions('', 'a master key of the new group:', 'Master keys of the new group (each may be repeated or comma separated)'),
    'encryption-context': { type: 'string', arg: 'K:V,K2:V2', help: 'AWS KMS encryption context of the new KMS keys' },
    'aws-profile': { type: 'string', arg: 'NAME', help: 'AWS profile of the new KMS keys' },
  };
}

export const groupsAdd: Command = {
  name: 'add',
  summary: 'add a key group made of the given master keys',
  usage: 'helm secrets groups add --file FILE [-i] [--shamir-secret-sharing-threshold N] --age R ... --pgp FP ...',
  description: `Adds a key group to FILE; the data key is split again between the groups (Shamir), so that a threshold of
the groups is needed to decrypt. The values, the MAC and lastmodified do not change.`,
  get options() {
    return { ...SHARED, ...addOwn() };
  },
  parse: 'own',
  async run(ctx) {
    if (ctx.positionals.length) throw new SopsError('error: no positional arguments allowed', ExitCode.Generic);
    const file = fileOf(ctx);
    const { runGroups } = await import('./ops/groups.js');
    const { specsFor } = await import('./ops/rotate.js');
    const str = (k: string) => (typeof ctx.values[k] === 'string' ? (ctx.values[k]) : undefined);
    const keys = await specsFor(ctx.values, '', ctx.env, { encryptionContext: str('encryption-context'), awsProfile: str('aws-profile') });
    return runGroups(file, { op: 'add', keys }, { inPlace: ctx.values['in-place'] === true, threshold: threshold(ctx), common: { env: ctx.env } });
  },
};

export const groupsDelete: Command = {
  name: 'delete',
  summary: 'delete the key group at INDEX (from 0)',
  usage: 'helm secrets groups delete --file FILE [-i] [--shamir-secret-sharing-threshold N] INDEX',
  description: `Deletes key group INDEX (counted from 0) from FILE; the data key is wrapped again for the groups left.`,
  options: SHARED,
  parse: 'own',
  async run(ctx) {
    if (ctx.positionals.length !== 1) throw new SopsError('error: exactly one positional argument (index) required', ExitCode.Generic);
    const index = ctx.positionals[0];
    if (!/^\d+$/.test(index)) throw new SopsError(`failed to parse [index] argument: ${JSON.stringify(index)} is not a whole number`, ExitCode.Generic);
    const file = fileOf(ctx);
    const { runGroups } = await import('./ops/groups.js');
    return runGroups(file, { op: 'delete', index: Number(index) }, { inPlace: ctx.values['in-place'] === true, threshold: threshold(ctx), common: { env: ctx.env } });
  },
};

const SUBS = [groupsAdd, groupsDelete];

export const groups: Command = {
  name: 'groups',
  summary: 'add or delete key groups (groups add, groups delete)',
  usage: 'helm secrets groups add --file FILE [options]\nhelm secrets groups delete --file FILE [options] INDEX',
  description: `Run 'helm secrets groups add --help' or 'helm secrets groups delete --help' for their options.`,
  parse: 'raw',
  subcommands: SUBS.map((s) => s.name),
  children: SUBS,
  async run(ctx) {
    const sub = SUBS.find((s) => s.name === ctx.argv[0]);
    if (!sub) {
      if (ctx.argv[0] === undefined) {
        process.stdout.write(helpPage(groups) + '\n');
        return 1;
      }
      throw new SopsError(`unknown groups subcommand ${JSON.stringify(ctx.argv[0])} (add, delete)`, ExitCode.Generic);
    }
    return runCommand({ ...sub, usage: sub.usage }, `groups ${sub.name}`, ctx.argv.slice(1), ctx.env);
  },
};
