// Go's number formatting, reproduced exactly: the MAC and the `float` plaintexts use strconv.FormatFloat(v,'f',-1,64),
// YAML emission uses 'g' -1, JSON emission uses encoding/json's rule. A wrong digit here breaks every MAC.

interface Digits {
  neg: boolean;
  /** Shortest round-trip decimal digits, no leading zeros ("0" for zero). */
  d: string;
  /** Decimal point position: value = 0.d × 10^dp. */
  dp: number;
}

function shortestDigits(v: number): Digits {
  const neg = v < 0 || Object.is(v, -0);
  if (v === 0) return { neg, d: '0', dp: 1 };
  // toExponential() without an argument gives the shortest digits that round-trip, like Go's shortest mode.
  const s = Math.abs(v).toExponential();
  const e = s.indexOf('e');
  const mant = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  return { neg, d: mant, dp: exp + 1 };
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

function fixed({ neg, d, dp }: Digits): string {
  const prec = Math.max(d.length - dp, 0);
  let out = neg ? '-' : '';
  if (dp > 0) {
    out += d.length >= dp ? d.slice(0, dp) : d + '0'.repeat(dp - d.length);
  } else {
    out += '0';
  }
  if (prec > 0) {
    out += '.';
    for (let i = 1; i <= prec; i++) {
      const j = dp + i - 1;
      out += j >= 0 && j < d.length ? d[j] : '0';
    }
  }
  return out;
}

function exponent({ neg, d, dp }: Digits): string {
  let out = neg ? '-' : '';
  out += d[0];
  if (d.length > 1) out += '.' + d.slice(1);
  const exp = d === '0' ? 0 : dp - 1;
  const sign = exp < 0 ? '-' : '+';
  const a = Math.abs(exp);
  out += 'e' + sign + (a < 10 ? '0' + a : String(a));
  return out;
}

/** strconv.FormatFloat(v, 'f', -1, 64): shortest digits, never an exponent. */
export function formatFloatF(v: number): string {
  return special(v) ?? fixed(shortestDigits(v));
}

/** strconv.FormatFloat(v, 'g', -1, 64): shortest digits; exponent form when exp < -4 or exp >= 6 (Go's shortest rule). */
export function formatFloatG(v: number): string {
  const sp = special(v);
  if (sp) return sp;
  const digs = shortestDigits(v);
  const exp = digs.d === '0' ? 0 : digs.dp - 1;
  if (exp < -4 || exp >= 6) return exponent(digs);
  return fixed(digs);
}

/** Go encoding/json float64 encoding: 'f' unless |v| < 1e-6 or >= 1e21, then 'e' with e-07 cleaned to e-7. */
export function formatFloatJSON(v: number): string {
  if (!Number.isFinite(v)) throw new Error('json: unsupported value: ' + String(v));
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-6 || abs >= 1e21)) {
    return exponent(shortestDigits(v)).replace(/e([+-])0(\d)$/, 'e$1$2');
  }
  return fixed(shortestDigits(v));
}
