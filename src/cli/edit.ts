// edit: descriptor (src/cli/command.ts); the work is in ops/edit.ts, loaded when it runs.
import { helpPage, type Command } from './command.js';
import { fileOptions, type OptionTable } from './options.js';

export const edit: Command = {
  name: 'edit',
  summary: 'edit the decrypted file in $EDITOR, re-encrypt on save',
  title: 'Edit encrypted secrets',
  usage: 'helm secrets edit [options] FILE',
  description: `Opens the decrypted FILE in your editor and re-encrypts it when you save and quit.
Editor: $SOPS_EDITOR, else $VISUAL, else $EDITOR (arguments allowed: EDITOR="code --wait"), else vim, nano or vi.
The plaintext lives only in a private temporary file (0600 in a 0700 directory, on tmpfs when the system has
one: $XDG_RUNTIME_DIR or /dev/shm), overwritten with zeros and removed afterwards, also on Ctrl+C or kill.
- Values you did not change keep their exact ENC[...] string, so 'git diff' shows only the keys you changed
  plus the MAC and lastmodified lines.
- When nothing changed (or only formatting that does not change any value), FILE is left byte-identical and
  the exit status is 200, as in sops ("file has not changed").
- When the edited text does not parse, you are asked whether to reopen the editor (on a terminal); otherwise
  the edit is aborted (exit 2). FILE is only ever replaced atomically by a complete encrypted file.
- When FILE does not exist, it is created from an example, encrypted for the keys of the matching .sops.yaml
  creation rule (or the key options below).
- --show-master-keys shows the sops metadata in the editor too (as sops does); the master keys as edited are
  what FILE keeps, with the same data key.`,
  get options(): OptionTable {
    return { ...fileOptions(), 'show-master-keys': { type: 'boolean', short: 's', help: 'show the sops metadata (master keys) in the editor' } };
  },
  listed: (n) => !['in-place', 'output', 'terraform', 'extract', 'filename-override', 'yes'].includes(n),
  parse: 'file',
  async run(ctx) {
    const { runEdit } = await import('./ops/edit.js');
    return runEdit(ctx.args, ctx.env, helpPage(edit));
  },
};
