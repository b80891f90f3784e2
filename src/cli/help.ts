// Help texts, generated: the overview from the command registry and the global options' table, one page per command
// from its descriptor (src/cli/command.ts). Printed by --help, `help CMD` and `CMD --help`.
import { COMMANDS, findCommand } from './commands.js';
import { helpPage } from './command.js';
import { globalOptions, renderOptions } from './options.js';

const HELM_COMMAND = `  HELM_COMMAND  install, upgrade, template, lint, diff, ... anything else: every -f/--values/--set-file argument
              that names a SOPS-encrypted file (or secrets://FILE) is decrypted and handed to helm through a pipe;
              nothing decrypted is left on disk.`;

export function overview(): string {
  const lines = COMMANDS.filter((c) => !c.hidden).map((c) => `  ${c.name.padEnd(10)}  ${c.summary}`);
  return `helm secrets: keep Helm values files encrypted (SOPS format) and deploy with them as if they were plain.

Usage:
  helm secrets [OPTIONS] COMMAND [options] FILE...     work on encrypted files
  helm secrets [OPTIONS] HELM_COMMAND [helm args...]   run helm with encrypted values decrypted on the fly

Available Commands:
${lines.join('\n')}
${HELM_COMMAND}

${renderOptions(globalOptions())}

Run 'helm secrets COMMAND --help' for a command's options.`;
}

export function helpFor(name: string): string | undefined {
  if (name === 'help') return overview();
  const cmd = findCommand(name);
  return cmd ? helpPage(cmd) : undefined;
}
