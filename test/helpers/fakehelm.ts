// A fake helm for the robustness suite: records its argv and environment, hashes (never copies) each values file it
// was given, then exits, sleeps (so a test can signal the wrapper mid-run) or kills itself, as the test asks.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Writes the script into `dir` and returns its path. Outputs go to $FAKE_HELM_OUT/out-PID/. */
export function writeFakeHelm(dir: string): string {
  const path = join(dir, 'helm');
  writeFileSync(
    path,
    `#!/bin/sh
out="$FAKE_HELM_OUT/out-$$"
mkdir -p "$out"
cp /proc/$$/cmdline "$out/cmdline"
cp /proc/$$/environ "$out/environ"
for a in "$@"; do case "$a" in /proc/*/fd/*|/dev/fd/*|/*helm-secrets-*) f="$a";; *=/proc/*/fd/*|*=/dev/fd/*|*=/*helm-secrets-*) f="\${a#*=}";; *) continue;; esac; sha256sum < "$f" | cut -d' ' -f1 >> "$out/sums"; done
touch "$out/started"
if [ -n "$FAKE_HELM_SELF_KILL" ]; then kill -9 $$; fi
if [ -n "$FAKE_HELM_SLEEP" ]; then exec sleep "$FAKE_HELM_SLEEP"; fi
exit \${FAKE_HELM_EXIT:-0}
`,
    { mode: 0o755 },
  );
  return path;
}

export interface HelmRecord {
  dir: string;
  cmdline: string;
  environ: string;
  sums: string[];
}

/** What each fake helm run recorded. */
export function helmRecords(outRoot: string): HelmRecord[] {
  return readdirSync(outRoot)
    .filter((n) => n.startsWith('out-'))
    .map((n) => {
      const dir = join(outRoot, n);
      const read = (f: string) => {
        try {
          return readFileSync(join(dir, f), 'utf8');
        } catch {
          return '';
        }
      };
      return { dir, cmdline: read('cmdline'), environ: read('environ'), sums: read('sums').split('\n').filter(Boolean) };
    });
}

/** The temp roots where plaintext could be left: tmpfs, the temp dir and the per-user runtime dir. */
export function tempRoots(env: NodeJS.ProcessEnv): string[] {
  return [...new Set(['/dev/shm', tmpdir(), env.TMPDIR, env.XDG_RUNTIME_DIR, env.HELM_SECRETS_DEC_DIR].filter((x): x is string => !!x))];
}

/** helm-secrets-* directories under the roots whose lock names one of `pids` (a run that did not clean up). */
export function dirsLeftBy(roots: string[], pids: Set<number>): string[] {
  const out: string[] = [];
  for (const root of roots) {
    let names: string[];
    try {
      names = readdirSync(root).filter((n) => n.startsWith('helm-secrets-'));
    } catch {
      continue;
    }
    for (const n of names) {
      try {
        const lock = JSON.parse(readFileSync(join(root, n, '.helm-secrets.lock'), 'utf8')) as { pid: number };
        if (pids.has(lock.pid)) out.push(join(root, n));
      } catch {
        /* not ours, or being created */
      }
    }
  }
  return out;
}
