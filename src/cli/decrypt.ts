// decrypt, dec and view: descriptors (src/cli/command.ts); the work is in ops/decrypt.ts, loaded when one runs.
import type { Command } from './command.js';
import { commonOptions, fileOptions, outputOptions } from './options.js';
import type { Mode } from './ops/decrypt.js';

/** The options a decrypting command lists: where the result goes (those named in `out`) and the common ones. */
function listed(out: readonly string[]): (n: string) => boolean {
  const common = commonOptions();
  return (n) => n in common || (out.includes(n) && n in outputOptions());
}

function decrypting(mode: Mode) {
  return async (ctx: { args: import('./args.js').FileCommandArgs }): Promise<number> => {
    const { runDecrypt } = await import('./ops/decrypt.js');
    return runDecrypt(mode, ctx.args);
  };
}

export const decrypt: Command = {
  name: 'decrypt',
  summary: 'decrypt a file (stdout, -i in place, --output FILE)',
  title: 'Decrypt secrets',
  usage: 'helm secrets decrypt [options] FILE...\nhelm secrets decrypt [options] [-] < ENCRYPTED',
  description: `Decrypts FILE and prints the plaintext, or writes it with -i/--output (mode 0600).
With FILE '-', or no FILE and input piped in, the encrypted file is read from stdin (sops 3.9); its format comes
from --input-type, else --filename-override, else the content.
Exit 1 if FILE does not exist or is not encrypted; 51 on a MAC mismatch, 128 when no master key could be used.`,
  get options() {
    return fileOptions();
  },
  listed: listed(['in-place', 'output', 'terraform']),
  parse: 'file',
  codeCache: 'decrypt',
  run: decrypting('decrypt'),
};

export const dec: Command = {
  name: 'dec',
  summary: 'decrypt FILE into FILE.dec',
  usage: 'helm secrets dec [options] FILE...',
  description: `Decrypts FILE into FILE.dec (mode 0600; name from HELM_SECRETS_DEC_PREFIX and HELM_SECRETS_DEC_SUFFIX).
This writes PLAINTEXT to disk: remove it with 'helm secrets clean'.`,
  get options() {
    return fileOptions();
  },
  listed: listed(['output']),
  parse: 'file',
  codeCache: 'decrypt',
  run: decrypting('dec'),
};

export const view: Command = {
  name: 'view',
  summary: 'print the decrypted file',
  usage: 'helm secrets view [options] FILE...',
  description: `Prints the decrypted content of FILE.`,
  get options() {
    return fileOptions();
  },
  listed: listed([]),
  parse: 'file',
  codeCache: 'decrypt',
  run: decrypting('view'),
};
