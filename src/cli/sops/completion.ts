// `sops completion bash|zsh`, and what the scripts it prints ask for: as with the sops binary (urfave/cli v1), a
// script runs the command line typed so far with `--generate-bash-completion` appended, and the program answers
// with the words that may come next, one per line: the commands at the top, a command's own subcommands, or, when
// the word being typed starts with `-`, the flags of that level that start with it and are not given yet. zsh asks
// with _CLI_ZSH_AUTOCOMPLETE_HACK=1 and gets `name:summary` lines for commands. Pure: the caller prints.
import { SopsError } from '../../errors.js';
import type { FlagSpec } from './flags.js';

export const COMPLETION_FLAG = '--generate-bash-completion';

export interface CompletionTables {
  /** The app level's flags. */
  app: readonly FlagSpec[];
  /** Each command's own flags, by name (`groups add` for a subcommand). */
  commands: Readonly<Record<string, readonly FlagSpec[]>>;
  /** Flags every command takes as well. */
  shared: readonly FlagSpec[];
  /** The top-level commands in order, with their summary line. */
  list: readonly (readonly [string, string])[];
  /** Commands that have subcommands, and those. */
  children: Readonly<Record<string, readonly string[]>>;
}

/** The lines to print for `words` (what follows `sops`, without the completion flag). */
export function completions(words: readonly string[], t: CompletionTables, zsh: boolean): string[] {
  const positionals = words.filter((w) => !w.startsWith('-'));
  const command = t.list.some(([n]) => n === positionals[0]) || positionals[0] === 'help' ? positionals[0] : undefined;
  const child = command && t.children[command]?.includes(positionals[1] ?? '') ? `${command} ${positionals[1]}` : undefined;
  const lastWord = words[words.length - 1];
  if (lastWord?.startsWith('-')) {
    // A command's own flags and those it reads from the app level; at the top, the app's.
    const level = command === undefined ? t.app : [...(t.commands[child ?? command] ?? []), ...t.shared];
    return flagSuggestions(lastWord, level, words.slice(0, -1));
  }
  if (command === undefined) {
    const all: (readonly [string, string])[] = [...t.list, ['help', 'show the commands, or one command\'s usage'], ['h', 'show the commands, or one command\'s usage']];
    return all.map(([n, s]) => (zsh ? `${n}:${s}` : n));
  }
  if (!child && t.children[command]) return [...t.children[command]];
  return [];
}

/** `--name` (or `-n` for a one-letter name) for each flag name that extends `typed` and is not among `given`. */
function flagSuggestions(typed: string, table: readonly FlagSpec[], given: readonly string[]): string[] {
  const cur = typed.replace(/^--?/, '');
  const seen = new Set(given.map((g) => g.replace(/^--?/, '').split('=')[0]));
  const out: string[] = [];
  for (const spec of table) {
    if (spec.names.some((n) => seen.has(n))) continue;
    for (const name of spec.names) {
      // After `--`, a one-letter name would not be what is being typed.
      if (typed.startsWith('--') && name.length === 1) continue;
      if (name.startsWith(cur) && name !== cur) out.push(`${name.length === 1 ? '-' : '--'}${name}`);
    }
  }
  return [...new Set(out)];
}

const BASH = (name: string) => `# bash completion for ${name} (helm-secrets-ts): load with  source <(${name} completion bash)
_${name}_words() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  local -a typed=("\${COMP_WORDS[@]:0:COMP_CWORD}")
  [[ $cur == -* ]] && typed+=("$cur")
  COMPREPLY=($(compgen -W "$("\${typed[@]}" ${COMPLETION_FLAG} 2>/dev/null)" -- "$cur"))
}
complete -o bashdefault -o default -F _${name}_words ${name}
`;

const ZSH = (name: string) => `#compdef ${name}
# zsh completion for ${name} (helm-secrets-ts): load with  source <(${name} completion zsh)
_${name}_words() {
  local cur=\${words[-1]}
  local -a typed candidates
  typed=("\${(@)words[1,-2]}")
  [[ $cur == -* ]] && typed+=("$cur")
  candidates=("\${(@f)$(_CLI_ZSH_AUTOCOMPLETE_HACK=1 "\${typed[@]}" ${COMPLETION_FLAG} 2>/dev/null)}")
  if [[ -n \${candidates[1]} ]]; then
    _describe 'values' candidates
  else
    _files
  fi
}
compdef _${name}_words ${name}
`;

/** `sops completion SHELL`: the script; no shell is the usage (as sops lists its two), another one an error. */
export function completionScript(shell: string | undefined, name = 'sops'): string {
  if (shell === 'bash') return BASH(name);
  if (shell === 'zsh') return ZSH(name);
  if (shell === undefined) return `USAGE:\n   ${name} completion bash\n   ${name} completion zsh\n`;
  // urfave/cli's answer for a subcommand it does not have, with its exit code.
  throw new SopsError(`No help topic for '${shell}'`, 3);
}
