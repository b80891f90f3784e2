// updatekeys and rotate: descriptors (src/cli/command.ts); the work is in ops/updatekeys.ts and ops/rotate.ts.
import type { Command } from './command.js';
import { commonOptions, fileOptions, prefixedKeyOptions, type OptionTable } from './options.js';

const RECURSIVE: OptionTable = {
  recursive: { type: 'boolean', short: 'r', help: 'FILE may be a directory: every sops file below it (others are reported as skipped)' },
};

export const updatekeys: Command = {
  name: 'updatekeys',
  summary: 'make the master keys match .sops.yaml',
  usage: 'helm secrets updatekeys [options] FILE...\nhelm secrets updatekeys -r [options] DIR...',
  description: `Makes the master keys of each FILE match its creation rule in .sops.yaml: recipients added to or removed from
the rule are added to or removed from the file, key groups and the Shamir threshold follow the rule.
The data key stays the same, so the values, the MAC and lastmodified do not change; a key that stays keeps
its entry byte for byte. (Removing a key does not revoke what it could already read: use 'rotate' for that.)
The changes are shown and confirmed on stdin unless -y is given.
Key flags and SOPS_AGE_RECIPIENTS-style variables are ignored: the creation rule is the source of truth.`,
  get options() {
    return { ...fileOptions(), ...RECURSIVE };
  },
  listed: (n) => n in RECURSIVE || n === 'shamir-secret-sharing-threshold' || (n in commonOptions() && !['extract', 'filename-override', 'output-type'].includes(n)),
  parse: 'file',
  async run(ctx) {
    const { runUpdatekeys } = await import('./ops/updatekeys.js');
    return runUpdatekeys(ctx.args, ctx.env);
  },
};

/** Rotate's own flags; made when rotate is first parsed or listed, not when the CLI loads (every command paid for them). */
let rotateTable: OptionTable | undefined;
function rotateOwn(): OptionTable {
  return (rotateTable ??= {
    ...prefixedKeyOptions('add', 'add', 'Master keys to add (to the first key group)'),
    ...prefixedKeyOptions('rm', 'remove', 'Master keys to remove (from every key group)'),
    stdout: { type: 'boolean', help: 'print the result instead of writing FILE' },
    ...RECURSIVE,
  });
}

export const rotate: Command = {
  name: 'rotate',
  summary: 'new data key, every value re-encrypted',
  usage: 'helm secrets rotate [options] FILE...\nhelm secrets rotate -r [options] DIR...',
  description: `Generates a new data key, re-encrypts every value with it (fresh IVs) and wraps it for the file's master keys,
so a removed recipient that kept an old copy of the data key cannot read future versions.
FILE is rewritten in place (atomically); --output FILE writes elsewhere, --stdout prints the result.
Differs from sops, which prints to stdout unless -i is given: here -i is the default.`,
  get options() {
    return { ...fileOptions(), ...rotateOwn() };
  },
  listed: (n) => n in rotateOwn() || n === 'output' || (n in commonOptions() && !['extract', 'filename-override', 'output-type', 'yes'].includes(n)),
  parse: 'file',
  async run(ctx) {
    const { runRotate } = await import('./ops/rotate.js');
    return runRotate(ctx.args, ctx.env);
  },
};
