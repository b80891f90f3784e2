// check: descriptor (src/cli/command.ts); the checks are in ops/check.ts, loaded when it runs.
import type { Command } from './command.js';

export const check: Command = {
  name: 'check',
  summary: 'find unencrypted secrets, bad MACs and tracked decrypted files (CI, pre-commit)',
  usage: 'helm secrets check [--no-mac] [--require-keys] [PATH...]',
  description: `Checks files for CI and pre-commit hooks and lists every finding; exit 1 when there is any, else 0.
PATH: files or directories (default: the current directory). In a git repository the tracked and
untracked-but-not-ignored files are checked; elsewhere every file below PATH.
Findings:
  not-encrypted     a file matched by a .sops.yaml creation rule with a path_regex is not SOPS-encrypted
                    (a rule without path_regex matches everything and is not taken as a requirement)
  plain-value       in an encrypted file, a value the file's own rule says must be encrypted is in clear text
  mac               the MAC does not verify (or the file cannot be decrypted for another reason than a key)
  decrypted-file    a decrypted artefact is tracked by git: *.dec (HELM_SECRETS_DEC_PREFIX/_SUFFIX)
  invalid           an encrypted file whose structure or metadata cannot be read
When no key can open a file its MAC is not checked (a note is printed); --require-keys makes that a finding,
--no-mac skips MAC checks entirely. Findings name files and key paths, never values.`,
  options: {
    'no-mac': { type: 'boolean', help: 'do not check MACs' },
    'require-keys': { type: 'boolean', help: 'a file no available key can open is a finding' },
    config: { type: 'string', arg: 'FILE', help: 'the .sops.yaml to use' },
    quiet: { type: 'boolean', short: 'q', help: 'no [helm-secrets] messages' },
    help: { type: 'boolean', short: 'h', help: 'this help' },
  },
  parse: 'own',
  async run(ctx) {
    const { runCheck } = await import('./ops/check.js');
    const v = ctx.values;
    return runCheck(ctx.positionals, { env: ctx.env, configPath: v.config as string | undefined, mac: v['no-mac'] !== true, requireKeys: v['require-keys'] === true });
  },
};
