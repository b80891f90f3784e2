// Help texts: the overview and one page per command, printed by --help, `help CMD` and `CMD --help`.
import { keyFlags } from '../keys/registry.js';

const COMMON = `Options for every file command:
  --input-type TYPE     yaml, json, dotenv, ini or binary (default: from the extension)
  --output-type TYPE    output format (default: the input format)
  --extract PATH        only this part of the tree, e.g. '["db"]["password"]' (a string leaf is printed raw)
  --ignore-mac          do not verify the MAC (values are still authenticated); prints a warning
  --indent N            output indentation (YAML spaces, JSON spaces)
  --config FILE         use this .sops.yaml instead of the one nearest FILE (searched upward from FILE's directory)
  --decryption-order L  master key kinds to try first, e.g. age,pgp (SOPS_DECRYPTION_ORDER)
  --key-timeout SEC     time limit of one call to a key service
  -q, --quiet           no [helm-secrets] messages (HELM_SECRETS_QUIET=true)`;

/** Stands for the key flags' lines (src/keys/registry.ts keyFlags()), filled in when a page is asked for. */
const KEY_FLAGS = '\u0000key-flags';

const ENCRYPTION = `Encryption options (override the creation rule of .sops.yaml; see also SOPS_* variables):
${KEY_FLAGS}
  --encryption-context K:V,K2:V2   AWS KMS encryption context
  --aws-profile NAME    AWS profile for KMS
  --unencrypted-suffix S | --encrypted-suffix S | --unencrypted-regex R | --encrypted-regex R |
  --unencrypted-comment-regex R | --encrypted-comment-regex R   which values are encrypted (one of them)
  --mac-only-encrypted  the MAC covers only encrypted values
  --shamir-secret-sharing-threshold N   key groups needed to decrypt`;

const PAGES: Record<string, string> = {
  encrypt: `Encrypt secrets

Usage: helm secrets encrypt [options] FILE...
Encrypts FILE (plaintext) and prints the encrypted file, or writes it with -i/--output.
  -i, --in-place        replace FILE with its encrypted form (atomic)
  --output FILE         write the result to FILE
Exit 1 if FILE does not exist or is already encrypted.

${ENCRYPTION}

${COMMON}`,
  decrypt: `Decrypt secrets

Usage: helm secrets decrypt [options] FILE...
Decrypts FILE and prints the plaintext, or writes it with -i/--output.
  -i, --in-place        replace FILE with its plaintext (atomic)
  --output FILE         write the plaintext to FILE (mode 0600)
  --terraform           print {"content_base64":"..."} for Terraform's external data source (one FILE)
Exit 1 if FILE does not exist or is not encrypted; 51 on a MAC mismatch, 128 when no master key could be used.

${COMMON}`,
  enc: `Usage: helm secrets enc [options] FILE...
Encrypts FILE in place. When FILE.dec (HELM_SECRETS_DEC_PREFIX/HELM_SECRETS_DEC_SUFFIX) exists,
encrypts that into FILE instead (the helm-secrets 2 workflow: dec, change FILE.dec, enc).

${ENCRYPTION}

${COMMON}`,
  dec: `Usage: helm secrets dec [options] FILE...
Decrypts FILE into FILE.dec (mode 0600; name from HELM_SECRETS_DEC_PREFIX and HELM_SECRETS_DEC_SUFFIX).
This writes PLAINTEXT to disk: remove it with 'helm secrets clean'.

${COMMON}`,
  view: `Usage: helm secrets view [options] FILE...
Prints the decrypted content of FILE.

${COMMON}`,
  clean: `Usage: helm secrets clean [DIR...]
Removes decrypted files (names ending in HELM_SECRETS_DEC_SUFFIX, default .dec) below DIR (default .),
the temp files and lock files of commands that were killed (only when their process is gone),
and temporary directories left by wrapper runs that were killed.`,
  version: `Usage: helm secrets version
Prints the plugin version.`,
  dir: `Usage: helm secrets dir
Prints the directory the plugin is installed in.`,
};

export const OVERVIEW = `helm secrets: keep Helm values files encrypted (SOPS format) and deploy with them as if they were plain.

Usage:
  helm secrets [OPTIONS] COMMAND [options] FILE...     work on encrypted files
  helm secrets [OPTIONS] HELM_COMMAND [helm args...]   run helm with encrypted values decrypted on the fly

Available Commands:
  encrypt     encrypt a file (stdout, -i in place, --output FILE)
  decrypt     decrypt a file (stdout, -i in place, --output FILE)
  enc         encrypt in place (helm-secrets 2 style)
  dec         decrypt FILE into FILE.dec
  view        print the decrypted file
  edit        edit the decrypted file in $EDITOR, re-encrypt on save
  set         set one value:   helm secrets set FILE '["a"]["b"]' VALUE
  unset       remove one value: helm secrets unset FILE '["a"]["b"]'
  updatekeys  make the master keys match .sops.yaml
  rotate      new data key, every value re-encrypted
  check       find unencrypted secrets, bad MACs and tracked decrypted files (CI, pre-commit)
  git         git integration: 'helm secrets git setup' installs the diff and merge drivers
  clean       remove decrypted .dec files
  version     print the version
  dir         print the plugin directory
  HELM_COMMAND  install, upgrade, template, lint, diff, ... anything else: every -f/--values/--set-file argument
              that names a SOPS-encrypted file (or secrets://FILE) is decrypted and handed to helm through a pipe;
              nothing decrypted is left on disk.

Available Options (before the command):
  -q, --quiet                       no [helm-secrets] messages (HELM_SECRETS_QUIET)
  -a, --backend-args ARGS           sops flags for every decryption and encryption, e.g. -a "--verbose"
                                    (HELM_SECRETS_BACKEND_ARGS); flags that do not apply are refused by name
  -b, --backend NAME                accepted for compatibility; the sops engine is built in (HELM_SECRETS_BACKEND)
  --ignore-missing-values [true|false]        missing values files count as empty (HELM_SECRETS_IGNORE_MISSING_VALUES)
  --decrypt-secrets-in-tmp-dir [true|false]   hand helm decrypted values as files in a private temporary
                                              directory instead of a pipe (HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR)
  --evaluate-templates [true|false]           needs the vals backend; refused (HELM_SECRETS_EVALUATE_TEMPLATES)
  --evaluate-templates-decode-secrets [true|false]   goes with --evaluate-templates
  -h, --help                        this help
  -v, --version                     print the version

Run 'helm secrets COMMAND --help' for a command's options.`;

export function helpFor(cmd: string): string | undefined {
  if (cmd === 'help') return OVERVIEW;
  const lines = () =>
    keyFlags()
      .filter((f) => f.supported)
      .map((f) => f.helpLine)
      .join('\n');
  return PAGES[cmd]?.replace(KEY_FLAGS, lines);
}

export function registerHelp(cmd: string, text: string): void {
  PAGES[cmd] = text;
}
