// Help of bin/sops, and the sops version whose command line it follows (printed by --version, which tools parse).

export const SOPS_VERSION = '3.13.2';

/** The subcommands bin/sops provides, in sops's order, with a line each (the help, `help COMMAND` and completion). */
export const SOPS_COMMANDS: readonly (readonly [name: string, summary: string])[] = [
  ['completion', 'print a bash or zsh completion script: source <(sops completion bash)'],
  ['exec-env', "run a command with the decrypted values as environment variables: sops exec-env FILE 'COMMAND'"],
  ['exec-file', "run a command with the decrypted file as a FIFO: sops exec-file FILE 'cat {}' (--no-fifo, --filename)"],
  ['filestatus', 'print {"encrypted":true|false} for a file'],
  ['groups', 'add or delete key groups: sops groups add --file FILE --age R | sops groups delete --file FILE INDEX'],
  ['updatekeys', "make the file's master keys match its .sops.yaml creation rule (-y: without asking)"],
  ['decrypt', "decrypt a file (or stdin) to stdout, -i or --output FILE; --extract '[\"key\"][0]'"],
  ['encrypt', 'encrypt a file (or stdin with --filename-override) to stdout, -i or --output FILE'],
  ['rotate', 'new data key, every value re-encrypted; --add-age R, --rm-pgp FP, ... (stdout unless -i)'],
  ['edit', 'edit an encrypted file in $SOPS_EDITOR / $EDITOR (a new file is created from an example)'],
  ['set', "set one value: sops set FILE '[\"key\"]' '\"json value\"' (--value-file, --value-stdin, --idempotent)"],
  ['unset', "remove one value: sops unset FILE '[\"key\"]' (--idempotent)"],
];

export const SOPS_HELP = `NAME:
   sops - encrypted file editor (helm-secrets-ts: sops ${SOPS_VERSION} command line, built-in engine)

USAGE:
   sops [options] command [command options] [file]
   sops [-e|-d|-r|--set 'PATH VALUE'] [-i] [options] file     (the older form; no mode edits the file)

COMMANDS:
${SOPS_COMMANDS.map(([name, summary]) => `   ${name.padEnd(12)} ${summary}`).join('\n')}
   publish, keyservice   not supported (no destinations, no key service server)

OPTIONS (see 'sops help COMMAND'):
   --age, -a R  --pgp, -p FP  --kms, -k ARN  --gcp-kms ID  --azure-kv URL  --hc-vault-transit URI  --hckms ID
   --input-type, --output-type yaml|json|dotenv|ini|binary   --config FILE   --indent N   --verbose
   --unencrypted-suffix, --encrypted-suffix, --unencrypted-regex, --encrypted-regex,
   --unencrypted-comment-regex, --encrypted-comment-regex, --mac-only-encrypted, --encryption-context K:V
   --shamir-secret-sharing-threshold N   --ignore-mac   --decryption-order age,pgp   --version`;

const PAGES: Record<string, string> = {
  encrypt: 'sops encrypt [-i | --output FILE] [key and rule options] [--filename-override NAME] [file]',
  decrypt: 'sops decrypt [-i | --output FILE] [--extract PATH] [--input-type T] [--output-type T] [--ignore-mac] [--filename-override NAME] [file]',
  edit: 'sops edit [key and rule options] [--input-type T] [--ignore-mac] file',
  set: 'sops set [--value-file | --value-stdin] [--idempotent] [--input-type T] [--output-type T] file PATH [VALUE]',
  unset: 'sops unset [--idempotent] [--input-type T] [--output-type T] file PATH',
  rotate: 'sops rotate [-i | --output FILE] [--add-KIND KEY] [--rm-KIND KEY] file   (KIND: age, pgp, kms, gcp-kms, azure-kv, hc-vault-transit, hckms)',
  updatekeys: 'sops updatekeys [-y] [-r] [--input-type T] file...   (-r: FILE may be a directory)',
  'exec-env': "sops exec-env [--pristine] [--background] [--user NAME] [--same-process] file 'COMMAND'",
  'exec-file': "sops exec-file [--no-fifo] [--filename NAME] [--background] [--user NAME] [--input-type T] [--output-type T] file 'COMMAND {}'",
  filestatus: 'sops filestatus [--input-type T] file',
  completion: 'sops completion bash | sops completion zsh   (load with: source <(sops completion bash))',
  groups: 'sops groups add --file FILE [-i] [--shamir-secret-sharing-threshold N] [--age R] [--pgp FP] [--kms ARN] ...\n   sops groups delete --file FILE [-i] [--shamir-secret-sharing-threshold N] INDEX',
};

export function commandHelp(name: string): string | undefined {
  const usage = PAGES[name];
  return usage ? `USAGE:\n   ${usage}` : undefined;
}
