// Help texts: the overview and one page per command, printed by --help, `help CMD` and `CMD --help`.

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

const ENCRYPTION = `Encryption options (override the creation rule of .sops.yaml; see also SOPS_* variables):
  -a, --age R           age recipient(s), comma separated (SOPS_AGE_RECIPIENTS)
  -p, --pgp FP          PGP fingerprint(s) (SOPS_PGP_FP)
  -k, --kms ARN         AWS KMS key ARN(s), ARN+ROLE_ARN to assume a role (SOPS_KMS_ARN)
  --gcp-kms ID          GCP KMS resource id(s) (SOPS_GCP_KMS_IDS)
  --azure-kv URL        Azure Key Vault key URL(s) (SOPS_AZURE_KEYVAULT_URLS)
  --hc-vault-transit U  Vault transit key URI(s) (SOPS_VAULT_URIS)
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
  -a, --backend-args ARGS           the backend's flags (sops: e.g. -a "--verbose"; refused by name when they
                                    do not apply) (HELM_SECRETS_BACKEND_ARGS)
  -b, --backend NAME                secret backend: sops (default), vals, noop, or a script path (HELM_SECRETS_BACKEND)
  --ignore-missing-values [true|false]        missing values files count as empty (HELM_SECRETS_IGNORE_MISSING_VALUES)
  --decrypt-secrets-in-tmp-dir [true|false]   hand helm decrypted values as files in a private temporary
                                              directory instead of a pipe (HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR)
  --evaluate-templates [true|false]           resolve ref+…:// in the rendered manifests (HELM_SECRETS_EVALUATE_TEMPLATES)
  --evaluate-templates-decode-secrets [true|false]   and inside base64 Secret data
  -h, --help                        this help
  -v, --version                     print the version

Run 'helm secrets COMMAND --help' for a command's options.`;

export function helpFor(cmd: string): string | undefined {
  if (cmd === 'help') return OVERVIEW;
  return PAGES[cmd];
}

export function registerHelp(cmd: string, text: string): void {
  PAGES[cmd] = text;
}
