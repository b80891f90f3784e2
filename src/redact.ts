// Credentials out of everything printed: one helper for every message, log line and error that shows a URL.
// A URL loses its userinfo (`user:password@`) and the values of its query (`?private_token=…`); callers print the
// URL as written, before ${VAR} expansion, so expanded values never reach a message either. helm-secrets' own
// `secrets+…-import://KEY?FILE` forms keep their `?`: what follows it there is a file path, not a query.

const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// A URL inside a longer message: up to the first blank or quote, and not the `:` that ends it in `URL: cause`.
const URL_IN_TEXT_RE = /[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^\s'"<>]*[^\s'"<>:])?/g;

/** The URL with its userinfo and query values replaced by `***`. Text that is not a URL is returned unchanged. */
export function redactUrl(url: string): string {
  const m = SCHEME_RE.exec(url);
  if (!m) return url;
  const scheme = m[1].toLowerCase();
  let rest = url.slice(m[0].length);
  if (scheme.startsWith('secrets')) {
    // secrets://https://…: the inner URL is the one that may carry credentials.
    return m[0] + (SCHEME_RE.test(rest) ? redactUrl(rest) : rest);
  }
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd < 0 ? rest : rest.slice(0, authorityEnd);
  const at = authority.lastIndexOf('@');
  if (at >= 0) rest = '***@' + rest.slice(at + 1);
  const q = rest.indexOf('?');
  if (q >= 0) {
    const hash = rest.indexOf('#', q);
    const query = hash < 0 ? rest.slice(q + 1) : rest.slice(q + 1, hash);
    const redacted = query
      .split('&')
      .map((part) => {
        if (part === '') return part;
        const eq = part.indexOf('=');
        return eq < 0 ? '***' : `${part.slice(0, eq)}=***`;
      })
      .join('&');
    rest = rest.slice(0, q + 1) + redacted + (hash < 0 ? '' : rest.slice(hash));
  }
  return m[0] + rest;
}

/** Every URL in `text` redacted (for messages that quote one inside a sentence). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT_RE, (u) => redactUrl(u));
}
