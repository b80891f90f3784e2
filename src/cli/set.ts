// set and unset: descriptors (src/cli/command.ts); the work is in ops/set.ts, loaded when one of them runs.
import type { Command } from './command.js';
import { commonOptions, fileOptions, type OptionTable } from './options.js';

const IDEMPOTENT: OptionTable = {
  idempotent: { type: 'boolean', help: 'set: with --output-type, leave FILE as it is when the value is unchanged; unset: succeed without writing when PATH does not exist' },
};

const listed = (own: OptionTable) => (n: string) => n in own || (n in commonOptions() && !['extract', 'filename-override', 'yes'].includes(n));

const SET_OWN: OptionTable = {
  'value-file': { type: 'boolean', help: "VALUE is the name of a file holding the JSON value (keeps secrets out of 'ps')" },
  'value-stdin': { type: 'boolean', help: 'read the JSON value from stdin (then VALUE is omitted)' },
  ...IDEMPOTENT,
};

export const set: Command = {
  name: 'set',
  summary: `set one value:   helm secrets set FILE '["a"]["b"]' VALUE`,
  usage: 'helm secrets set [options] FILE PATH VALUE',
  description: `Sets one value of an encrypted file, e.g.  helm secrets set secrets.yaml '["db"]["password"]' '"s3cret"'
VALUE is JSON, as in sops: '"text"', 'true', '{"a": 1}', '[1, 2]'. A bare number is a float, as in sops
(inside an object or a list, integers stay integers). Missing keys are created; an index past the end appends.
Only the changed value is re-encrypted: every other ENC[...] string stays exactly as it was. When the value is
already there, the file is not written at all (unless --output-type changes its format: as sops does, it is then
rewritten in that format also when the value is unchanged, unless --idempotent is given).
Exit 7 for a VALUE that is not JSON or a malformed PATH.`,
  get options() {
    return { ...fileOptions(), ...SET_OWN };
  },
  listed: listed(SET_OWN),
  parse: 'file',
  async run(ctx) {
    const { runSet } = await import('./ops/set.js');
    return runSet(ctx.args, ctx.env);
  },
};

export const unset: Command = {
  name: 'unset',
  summary: `remove one value: helm secrets unset FILE '["a"]["b"]'`,
  usage: 'helm secrets unset [options] FILE PATH',
  description: `Removes one key or list element from an encrypted file, e.g.  helm secrets unset secrets.yaml '["db"]["old"]'
The other values keep their exact ciphertext; only lastmodified and the MAC change.`,
  get options() {
    return { ...fileOptions(), ...IDEMPOTENT };
  },
  listed: listed(IDEMPOTENT),
  parse: 'file',
  async run(ctx) {
    const { runUnset } = await import('./ops/set.js');
    return runUnset(ctx.args, ctx.env);
  },
};
