// The current time as sops writes it (lastmodified, a key's created_at, its log lines): RFC 3339 in UTC at second
// precision, `YYYY-MM-DDTHH:MM:SSZ`. The one place that formats "now".
export function nowRfc3339(): string {
  return new Date().toISOString().slice(0, 19) + 'Z';
}
