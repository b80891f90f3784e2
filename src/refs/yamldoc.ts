// Documents as `vals eval` reads them: like the YAML store, except that a timestamp stays the text it was written
// as (vals re-tags timestamps as strings before decoding, and helm reads them as strings too), where the store would
// give its canonical time. Used only for a document that holds a timestamp; the store's fast reader does the rest.
import { plainTag, scalarValue } from '../sops/stores/yaml-load.js';
import { NodeReader, type YNode } from '../sops/stores/yaml-parse.js';
import { Mapping, SopsTime, type Branches, type Value } from '../sops/tree.js';

/** Nodes an alias may expand to (the store's own bound). */
const BUDGET = 5_000_000;

/** Whether a loaded tree holds a timestamp anywhere. */
export function hasTimestamp(v: Value | Branches): boolean {
  if (v instanceof SopsTime) return true;
  if (v instanceof Mapping) return v.items.some((it) => hasTimestamp(it.value));
  if (Array.isArray(v)) return v.some((x) => hasTimestamp(x));
  return false;
}

/** Re-reads `text` (already read once by the store, so known to be well-formed) with timestamps kept as text. */
export function loadKeepingTimestamps(text: string): Branches {
  const reader = new NodeReader(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, plainTag);
  let budget = BUDGET;
  const active = new Set<YNode>();
  const convert = (n: YNode): Value => {
    if (--budget < 0) throw new Error('yaml: document contains excessive aliasing');
    switch (n.kind) {
      case 'alias': {
        if (active.has(n)) throw new Error('yaml: an anchor contains itself');
        active.add(n);
        const v = convert(n.alias!);
        active.delete(n);
        return v;
      }
      case 'scalar': {
        const v = scalarValue(n);
        return v instanceof SopsTime ? n.value : v;
      }
      case 'sequence':
        return n.content.map(convert);
      case 'mapping': {
        const out = new Mapping();
        const merges: Value[] = [];
        for (let i = 0; i < n.content.length; i += 2) {
          const k = n.content[i];
          const target = k.kind === 'alias' ? k.alias! : k;
          if (k.kind === 'scalar' && k.value === '<<' && (k.tag === '!!merge' || (!k.tagged && k.style === 'plain'))) {
            merges.push(convert(n.content[i + 1]));
            continue;
          }
          out.items.push({ key: target.value, value: convert(n.content[i + 1]) });
        }
        // yaml.v3's merge: the mapping's own keys win; a list merges its maps in order, the first one winning.
        for (const m of merges) {
          for (const mm of Array.isArray(m) ? m : [m]) {
            if (!(mm instanceof Mapping)) continue;
            for (const it of mm.items) if (typeof it.key === 'string' && !out.has(it.key)) out.items.push(it);
          }
        }
        return out;
      }
      default:
        return null;
    }
  };
  const docs: Branches = [];
  for (let doc = reader.nextDocument(); doc; doc = reader.nextDocument()) {
    const root = doc.content[0];
    const v = root ? convert(root) : new Mapping();
    docs.push(v instanceof Mapping ? v : new Mapping());
  }
  return docs;
}
