#!/usr/bin/env node
// Pushes the helm 4 plugin tarballs of a release directory (scripts/package.mjs) to an OCI registry, each as
// REF/NAME:VERSION (and any --tag), the way `helm plugin install oci://REF/NAME:VERSION` (helm 4) pulls them. helm 4
// has no push for plugins (`helm push` is for charts); this is the artifact it reads (pkg/registry/plugin.go), the
// same `oras push --artifact-type application/vnd.helm.plugin.v1+json NAME-VERSION.tgz NAME-VERSION.tgz.prov`
// makes: an OCI image manifest with that artifactType, the empty config, and the tarball and its .prov as layers
// titled with their file names.
//   node scripts/oci-push.mjs [--plain-http] [--tag T]... DIR oci://HOST[:PORT]/PATH
// Credentials, if the registry wants them, come from HELM_SECRETS_OCI_USERNAME and HELM_SECRETS_OCI_PASSWORD (never
// argv): HTTP basic, or a bearer token from the registry's token service (the WWW-Authenticate challenge).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

const ARTIFACT_TYPE = 'application/vnd.helm.plugin.v1+json';
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', data: Buffer.from('{}') };
const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar'; // helm pulls layers of this type (or +gzip) only

class PushError extends Error {}
const fail = (m) => {
  throw new PushError(m);
};
const say = (m) => process.stderr.write(`[helm-secrets] oci-push: ${m}\n`);
const digest = (data) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

function options(argv) {
  const o = { plainHttp: false, tags: [], dir: undefined, ref: undefined };
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--plain-http') o.plainHttp = true;
    else if (argv[i] === '--tag') o.tags.push(argv[++i] ?? fail('--tag needs a value'));
    else rest.push(argv[i]);
  }
  if (rest.length !== 2 || !rest[1].startsWith('oci://')) fail('usage: oci-push.mjs [--plain-http] [--tag T]... DIR oci://HOST[:PORT]/PATH');
  [o.dir, o.ref] = rest;
  const m = /^oci:\/\/([^/]+)\/(.+?)\/?$/.exec(o.ref);
  if (!m) fail(`${o.ref}: expected oci://HOST[:PORT]/PATH`);
  o.host = m[1];
  o.path = m[2];
  for (const t of o.tags) if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(t)) fail(`${t}: not a valid tag`);
  return o;
}

/** The plugin.yaml of a tarball, if it is a helm 4 native plugin: { name, version }. */
function nativePlugin(data) {
  const tar = gunzipSync(data);
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
    if (!name) break;
    const prefix = tar.subarray(off + 345, off + 500).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    const full = prefix ? `${prefix}/${name}` : name;
    if (/^[^/]+\/plugin\.yaml$/.test(full)) {
      const text = tar.subarray(off + 512, off + 512 + size).toString('utf8');
      if (!/^apiVersion:\s*v1\s*$/m.test(text)) return undefined;
      return { name: /^name:\s*"?([^"\s]+)/m.exec(text)?.[1], version: /^version:\s*"?([^"\s]+)/m.exec(text)?.[1] };
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** A registry client for one repository: requests with the auth the registry asks for. */
function registry(o, repo) {
  const base = `${o.plainHttp ? 'http' : 'https'}://${o.host}`;
  const user = process.env.HELM_SECRETS_OCI_USERNAME;
  const pass = process.env.HELM_SECRETS_OCI_PASSWORD ?? '';
  const basic = user ? `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}` : undefined;
  let auth;

  async function token(challenge) {
    const params = Object.fromEntries([...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (!params.realm) fail(`${o.host}: a bearer challenge without a realm`);
    const u = new URL(params.realm);
    if (params.service) u.searchParams.set('service', params.service);
    u.searchParams.set('scope', `repository:${repo}:pull,push`);
    const r = await fetch(u, { headers: basic ? { authorization: basic } : {} });
    if (!r.ok) fail(`${o.host}: the token service refused (${r.status}); check HELM_SECRETS_OCI_USERNAME/PASSWORD`);
    const body = await r.json();
    return `Bearer ${body.token ?? body.access_token}`;
  }

  return async function request(method, path, init = {}) {
    const url = /^https?:\/\//.test(path) ? path : `${base}${path}`;
    for (let attempt = 0; ; attempt++) {
      const headers = { ...(init.headers ?? {}), ...(auth ? { authorization: auth } : {}) };
      const r = await fetch(url, { method, ...init, headers, redirect: 'follow' });
      if (r.status !== 401 || attempt > 0) return r;
      const challenge = r.headers.get('www-authenticate') ?? '';
      await r.arrayBuffer();
      if (/^bearer\s/i.test(challenge)) auth = await token(challenge);
      else if (basic) auth = basic;
      else fail(`${o.host}: the registry wants credentials (HELM_SECRETS_OCI_USERNAME, HELM_SECRETS_OCI_PASSWORD)`);
    }
  };
}

async function pushBlob(request, repo, data) {
  const d = digest(data);
  const head = await request('HEAD', `/v2/${repo}/blobs/${d}`);
  if (head.ok) return d;
  const start = await request('POST', `/v2/${repo}/blobs/uploads/`);
  await start.arrayBuffer();
  if (start.status !== 202) fail(`blob upload to ${repo} refused: HTTP ${start.status}`);
  const location = new URL(start.headers.get('location') ?? fail('blob upload: no Location'), `${start.url}`);
  location.searchParams.set('digest', d);
  const put = await request('PUT', location.href, { body: data, headers: { 'content-type': 'application/octet-stream', 'content-length': String(data.length) } });
  const text = await put.text();
  if (put.status !== 201) fail(`blob ${d} to ${repo}: HTTP ${put.status} ${text.slice(0, 200)}`);
  return d;
}

async function main() {
  const o = options(process.argv.slice(2));
  const files = readdirSync(o.dir).filter((n) => n.endsWith('.tgz')).sort();
  let pushed = 0;
  for (const file of files) {
    const data = readFileSync(join(o.dir, file));
    const plugin = nativePlugin(data);
    if (!plugin) continue; // the helm 3 tarball: helm 3 does not install from OCI
    if (file !== `${plugin.name}-${plugin.version}.tgz`) fail(`${file}: helm pulls NAME-VERSION.tgz, and this holds ${plugin.name} ${plugin.version}`);
    const repo = `${o.path}/${plugin.name}`;
    const request = registry(o, repo);
    const layers = [];
    for (const name of [file, `${file}.prov`]) {
      if (!existsSync(join(o.dir, name))) {
        if (name === file) continue;
        say(`${name} is missing: ${plugin.name} is pushed unsigned, and helm 4 verifies by default`);
        continue;
      }
      const blob = name === file ? data : readFileSync(join(o.dir, name));
      layers.push({ mediaType: LAYER_TYPE, digest: await pushBlob(request, repo, blob), size: blob.length, annotations: { 'org.opencontainers.image.title': name } });
    }
    const config = { mediaType: EMPTY_CONFIG.mediaType, digest: await pushBlob(request, repo, EMPTY_CONFIG.data), size: EMPTY_CONFIG.data.length };
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST_TYPE, artifactType: ARTIFACT_TYPE, config, layers }));
    for (const tag of [plugin.version, ...o.tags]) {
      const r = await request('PUT', `/v2/${repo}/manifests/${tag}`, { body: manifest, headers: { 'content-type': MANIFEST_TYPE } });
      const text = await r.text();
      if (r.status !== 201) fail(`manifest ${repo}:${tag}: HTTP ${r.status} ${text.slice(0, 200)}`);
      say(`pushed oci://${o.host}/${repo}:${tag} (${digest(manifest)})`);
    }
    pushed++;
  }
  if (pushed === 0) fail(`${o.dir}: no helm 4 plugin tarballs (run npm run package)`);
}

await main().catch((err) => {
  say(err instanceof PushError ? err.message : `${err?.message ?? err}${err?.cause ? ` (${err.cause.code ?? err.cause.message})` : ''}`);
  process.exitCode = 1;
});
