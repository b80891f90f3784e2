// A secret's text read as the YAML or JSON document a fragment selects from, with the go-yaml v3 reader the
// rest of the project uses: numbers, booleans and null keep their types, as vals's yaml.Unmarshal gives them.
// A failure says where (line), never what the text holds.
import { parseYaml, ResolvedScalar, ShapeError, type YamlValue } from '../config/yamlvalue.js';

/** The document in `text`; `what` names it in the error ("the secret NAME"). */
export function parseRefDocument(text: string, what: string): unknown {
  let doc: YamlValue;
  try {
    doc = parseYaml(text);
  } catch (err) {
    if (!(err instanceof ShapeError)) throw err;
    const line = /line (\d+)/.exec(err.message)?.[1];
    throw new Error(`${what} is not a YAML or JSON document${line ? ` (line ${line})` : ''}`);
  }
  return plain(doc);
}

function plain(v: YamlValue): unknown {
  if (v === null || typeof v === 'string') return v;
  if (v instanceof ResolvedScalar) {
    const x = v.value;
    return typeof x === 'bigint' ? (Number.isSafeInteger(Number(x)) ? Number(x) : v.source) : x;
  }
  if (Array.isArray(v)) return v.map(plain);
  // No prototype: a key named like an Object.prototype member is only a key.
  const out = Object.create(null) as Record<string, unknown>;
  for (const [k, x] of Object.entries(v)) out[k] = plain(x);
  return out;
}
