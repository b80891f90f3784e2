// The command registry: every command's descriptor, in the order of the overview. Light: each descriptor imports
// its work only when it runs, so `version` and `--help` load none of the engine, keys or stores.
import type { Command } from './command.js';
import { clean, dir, downloader, help, postRenderer, version } from './builtin.js';
import { check } from './check.js';
import { completion } from './completion.js';
import { dec, decrypt, view } from './decrypt.js';
import { edit } from './edit.js';
import { enc, encrypt } from './encrypt.js';
import { execEnv, execFile } from './exec.js';
import { filestatus } from './filestatus.js';
import { git } from './git.js';
import { groups } from './groups.js';
import { set, unset } from './set.js';
import { rotate, updatekeys } from './updatekeys.js';

export const COMMANDS: readonly Command[] = [
  encrypt,
  decrypt,
  enc,
  dec,
  view,
  edit,
  set,
  unset,
  updatekeys,
  rotate,
  groups,
  filestatus,
  execEnv,
  execFile,
  check,
  git,
  completion,
  clean,
  version,
  dir,
  help,
  downloader,
  postRenderer,
];

/** The command called `name` (or one of its aliases). */
export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}
