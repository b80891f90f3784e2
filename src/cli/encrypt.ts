// encrypt and enc: descriptors (src/cli/command.ts); the work is in ops/encrypt.ts, loaded when one of them runs.
import type { Command } from './command.js';
import { fileOptions } from './options.js';

const notTerraform = (n: string) => n !== 'terraform';

export const encrypt: Command = {
  name: 'encrypt',
  summary: 'encrypt a file (stdout, -i in place, --output FILE)',
  title: 'Encrypt secrets',
  usage: 'helm secrets encrypt [options] FILE...\nhelm secrets encrypt --filename-override NAME [options] [-] < PLAINTEXT',
  description: `Encrypts FILE (plaintext) and prints the encrypted file, or writes it with -i/--output.
With FILE '-' (or none, and --filename-override), the plaintext is read from stdin; NAME chooses the creation rule
and the format, as in sops.
Exit 1 if FILE does not exist or is already encrypted.`,
  get options() {
    return fileOptions();
  },
  listed: notTerraform,
  parse: 'file',
  async run(ctx) {
    const { runEncrypt } = await import('./ops/encrypt.js');
    return runEncrypt('encrypt', ctx.args);
  },
};

export const enc: Command = {
  name: 'enc',
  summary: 'encrypt in place (helm-secrets 2 style)',
  usage: 'helm secrets enc [options] FILE...',
  description: `Encrypts FILE in place. When FILE.dec (HELM_SECRETS_DEC_PREFIX/HELM_SECRETS_DEC_SUFFIX) exists,
encrypts that into FILE instead (the helm-secrets 2 workflow: dec, change FILE.dec, enc).`,
  get options() {
    return fileOptions();
  },
  listed: (n) => notTerraform(n) && n !== 'in-place',
  parse: 'file',
  async run(ctx) {
    const { runEncrypt } = await import('./ops/encrypt.js');
    return runEncrypt('enc', ctx.args);
  },
};
