// The names in age plugin encodings: recipients `age1NAME1...` and identities `AGE-PLUGIN-NAME-1...` (bech32), and
// the plugin program `age-plugin-NAME` they select. Light on purpose: identity discovery checks key lines with it
// without loading the plugin client or the age library.
import { bech32 } from '@scure/base';

/** Names age accepts for a plugin: no path separators, so the binary is always looked up on PATH. */
const PLUGIN_NAME = /^[A-Za-z0-9+\-._]+$/;
/** The plugin name of a recipient `age1NAME1...`, or undefined when the string is not a plugin recipient. */
export function pluginOfRecipient(s: string): string | undefined {
  const hrp = humanPart(s);
  if (!hrp?.startsWith('age1')) return undefined;
  const name = hrp.slice(4);
  // age1pq1..., age1tag1... and age1tagpq1... are built-in recipient types, not plugins.
  if (['pq', 'tag', 'tagpq'].includes(name) || !PLUGIN_NAME.test(name)) return undefined;
  return name;
}

/** The plugin name of an identity `AGE-PLUGIN-NAME-1...`, lowercased as age does, or undefined. */
export function pluginOfIdentity(s: string): string | undefined {
  if (!s.startsWith('AGE-PLUGIN-')) return undefined;
  const hrp = humanPart(s)?.toUpperCase();
  if (!hrp?.startsWith('AGE-PLUGIN-') || !hrp.endsWith('-')) return undefined;
  const name = hrp.slice('AGE-PLUGIN-'.length, -1).toLowerCase();
  return name && PLUGIN_NAME.test(name) ? name : undefined;
}

/** The bech32 human-readable part of a valid encoding (no length limit: plugin data can be long). */
function humanPart(s: string): string | undefined {
  try {
    return bech32.decode(s as `${string}1${string}`, false).prefix;
  } catch {
    return undefined;
  }
}
