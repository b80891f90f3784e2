// git: descriptor (src/cli/command.ts); the drivers are in ops/git.ts, loaded when it runs.
import { helpPage, type Command } from './command.js';

export const git: Command = {
  name: 'git',
  summary: "git integration: 'helm secrets git setup' installs the diff and merge drivers",
  usage: 'helm secrets git setup [--global] [--filter] [--command CMD] [--attributes-file FILE] [PATTERN...]\nhelm secrets git textconv FILE\nhelm secrets git merge BASE OURS THEIRS PATH\nhelm secrets git clean PATH < PLAINTEXT\nhelm secrets git smudge PATH < ENCRYPTED',
  description: `
setup installs two drivers (in the repository's .git/config, or ~/.gitconfig with --global):
  diff.sopsdiffer.textconv   = CMD git textconv      git diff, git log -p and git show print decrypted diffs
  diff.sopsdiffer.cachetextconv = false              never cache decrypted text in git notes
  merge.sops.driver          = CMD git merge %O %A %B %P
and adds 'PATTERN diff=sopsdiffer merge=sops' lines to .gitattributes at the top of the repository
(default patterns: secrets*.yaml secrets*.yml secrets*.json; --attributes-file .git/info/attributes keeps
them out of the tracked tree). CMD defaults to this program with its absolute path.

--filter also installs a clean/smudge filter (filter.sops.clean = CMD git clean %f, smudge = CMD git smudge %f,
required) and adds 'filter=sops' to the patterns: the work tree holds plaintext, the repository only encrypted
blobs. clean keeps the data key and the ciphertext of unchanged values of the file in the index, so an untouched
file cleans to the same blob; smudge checks out a file it cannot decrypt (no key) as it is, with a warning.

textconv prints the decrypted file (git calls it; FILE stays untouched). A file that is not encrypted, or that
cannot be decrypted here (no key), is printed as it is, with a warning on stderr: git diff never fails.

merge merges the decrypted trees of BASE, OURS and THEIRS by path: keys changed on one side are taken,
keys changed on both sides to the same value are fine. The result is encrypted again with the same data key,
so every unchanged value keeps its exact ciphertext, and gets a fresh MAC. When both sides changed the same
value differently, the tracked file is still a valid ENCRYPTED file (holding OUR value there), git reports the
conflict, and the decrypted conflict view with <<<<<<< ||||||| ======= >>>>>>> markers is written ONLY to a
private file (0600, in a 0700 directory on tmpfs when available: $XDG_RUNTIME_DIR, /dev/shm, else the
temporary directory; never inside the repository) whose path is printed. Resolve with
'helm secrets set FILE PATH VALUE' or 'helm secrets edit FILE', then 'git add FILE' and delete the view.`,
  parse: 'raw',
  subcommands: ['setup', 'textconv', 'merge', 'clean', 'smudge'],
  // textconv and smudge decrypt one file to stdout (git runs them once per file); the others encrypt or merge.
  codeCache: (argv) => (argv[0] === 'textconv' || argv[0] === 'smudge' ? 'decrypt' : undefined),
  async run(ctx) {
    const { runGit } = await import('./ops/git.js');
    return runGit(ctx.argv, ctx.env, helpPage(git));
  },
};
