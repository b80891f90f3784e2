// The key kinds are one descriptor each (src/keys/kinds/) in one list (src/keys/registry.ts): no other module of
// src/ names a kind's metadata field, and a kind added through the registry alone shows up in the key flags, the help,
// backend arguments, .sops.yaml rules, metadata parsing and emission, and an encrypt/decrypt round trip.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseFileCommand } from '../../src/cli/args.js';
import { helpFor } from '../../src/cli/help.js';
import { backendArgs } from '../../src/config/backendargs.js';
import { resolveEncryptionSettings } from '../../src/config/config.js';
import { decryptBytes, encryptBytes } from '../../src/engine.js';
import { allKinds, entrySchemas, keyFlags, keyLabel, registerKind, unregisterKind } from '../../src/keys/registry.js';
import type { KindDescriptor } from '../../src/keys/types.js';
import { ROOT } from '../helpers/paths.js';

const SRC = join(ROOT, 'src');

function sources(dir: string, out: string[] = []): string[] {
  for (const n of readdirSync(dir)) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) sources(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The source without comments (a field named in prose is not a second place that decides it). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/**
 * The modules of a kind: its descriptor (src/keys/kinds/NAME.ts) and its implementation (src/keys/NAME*.ts, with
 * the helpers whose file names start with the kind's: agefile, ageidentity, agessh).
 */
function ownModules(descriptorFile: string): (file: string) => boolean {
  const name = descriptorFile.replace(/^keys\/kinds\//, '').replace(/\.ts$/, '');
  return (file) => file === descriptorFile || (file.startsWith(`keys/${name}`) && !file.includes('/kinds/'));
}

describe('architecture: one descriptor per key kind', () => {
  const files = sources(SRC).map((f) => ({ path: relative(SRC, f), text: code(readFileSync(f, 'utf8')) }));

  it('each kind\'s metadata field is named only in its own modules (the registry lists descriptors, not names)', () => {
    assert.ok(allKinds().length >= 7);
    const bad: string[] = [];
    for (const kind of allKinds()) {
      const f = kind.entry.field;
      // A string literal of exactly the field, or an object key of that name.
      const re = new RegExp(`(['"\`])${f}\\1|(^|[{,\\s])${f}\\??\\s*:(?!:)`, 'm');
      const descriptor = files.find((x) => x.path.startsWith('keys/kinds/') && new RegExp(`field: '${f}'`).test(x.text));
      assert.ok(descriptor, `no descriptor module for ${f}`);
      const own = ownModules(descriptor.path);
      for (const file of files) if (!own(file.path) && re.test(file.text)) bad.push(`${f} in ${file.path}`);
    }
    assert.deepEqual(bad, []);
  });

  it('the registry names each kind once, by its descriptor', () => {
    const text = files.find((f) => f.path === 'keys/registry.ts')!.text;
    const list = /const KINDS: KindDescriptor\[\] = \[([^\]]*)\]/.exec(text);
    assert.ok(list, 'registry.ts has the KINDS list');
    assert.equal(list[1]!.split(',').length, allKinds().length);
  });
});

// A throwaway kind: the data key XORed with a SHA-256 of the key id and a secret from the environment.
// It is registered at run time through the registry, exactly as a new kind's module would be listed.
const FIELD = 'test_xor';
const SECRET_VAR = 'HELM_SECRETS_TEST_XOR_SECRET';
const pad = (id: string, env: NodeJS.ProcessEnv) => createHash('sha256').update(`${id}\0${env[SECRET_VAR] ?? ''}`).digest();
const xor = (a: Uint8Array, b: Uint8Array) => Uint8Array.from(a, (x, i) => x ^ b[i % b.length]!);

const testKind: KindDescriptor = {
  entry: { field: FIELD, scalar: ['created_at', 'enc', 'key_id'], needsCreatedAt: true },
  id: FIELD,
  logger: ['TESTXOR', 'key'],
  describe: (f) => String(f.key_id ?? ''),
  flag: { name: 'test-xor', valueName: 'ID', help: 'throwaway test key id(s)', env: 'HELM_SECRETS_TEST_XOR_IDS' },
  rule: { field: FIELD, groupField: FIELD, groupEntries: { strings: true } },
  fromString(text) {
    if (!/^[a-z0-9-]+$/.test(text)) throw new Error(`bad test key id ${JSON.stringify(text)}`);
    return { kind: FIELD, fields: { key_id: text } };
  },
  load: async () => ({
    async wrap(spec, part, ctx) {
      const id = String(spec.fields.key_id);
      const enc = Buffer.from(xor(part, pad(id, ctx.env))).toString('base64');
      return { kind: spec.kind, fields: { created_at: new Date().toISOString().slice(0, 19) + 'Z', enc, key_id: id } };
    },
    async unwrap(entry, ctx) {
      if (ctx.env[SECRET_VAR] === undefined) return null;
      return xor(Buffer.from(String(entry.fields.enc), 'base64'), pad(String(entry.fields.key_id), ctx.env));
    },
  }),
};

describe('a key kind added through the registry alone', () => {
  let dir: string;
  const env = { [SECRET_VAR]: 's3', SOPS_DECRYPTION_ORDER: FIELD };
  before(() => {
    registerKind(testKind);
    dir = mkdtempSync(join(tmpdir(), 'key-kinds-'));
  });
  after(() => {
    unregisterKind(FIELD);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused twice', () => assert.throws(() => registerKind(testKind), /already registered/));

  it('has a key flag with its help line, taken by the command line parser and in backend arguments', () => {
    const flag = keyFlags().find((f) => f.name === 'test-xor');
    assert.ok(flag);
    assert.equal(flag.helpLine, '  --test-xor ID         throwaway test key id(s) (HELM_SECRETS_TEST_XOR_IDS)');
    assert.ok(helpFor('encrypt')!.includes(flag.helpLine));
    const args = parseFileCommand(['--test-xor', 'k1,k2', '--test-xor', 'k3', 'x.yaml'], {}, 'encrypt');
    assert.deepEqual(args.flags.keys?.['test-xor'], ['k1', 'k2', 'k3']);
    assert.deepEqual(backendArgs({ HELM_SECRETS_BACKEND_ARGS: '--test-xor=k1' }, 'encrypt', 'encrypt'), ['--test-xor=k1']);
    assert.throws(() => backendArgs({ HELM_SECRETS_BACKEND_ARGS: '--test-xor=k1' }, 'decrypt', 'decrypt'), /applies to encryption only/);
  });

  it('is read from its variable and from creation rules (one group and key_groups)', () => {
    const settings = (cwd: string, e: NodeJS.ProcessEnv = {}) => resolveEncryptionSettings({ filePath: 'x.yaml', cwd, env: e, flags: {} });
    assert.deepEqual(settings(dir, { HELM_SECRETS_TEST_XOR_IDS: 'v1' }).keyGroups, [[{ kind: FIELD, fields: { key_id: 'v1' } }]]);
    writeFileSync(join(dir, '.sops.yaml'), `creation_rules:\n  - path_regex: one\n    ${FIELD}: r1, r2\n  - key_groups:\n      - ${FIELD}: [g1]\n`);
    assert.deepEqual(resolveEncryptionSettings({ filePath: 'one.yaml', cwd: dir, env: {}, flags: {} }).keyGroups, [
      [
        { kind: FIELD, fields: { key_id: 'r1' } },
        { kind: FIELD, fields: { key_id: 'r2' } },
      ],
    ]);
    assert.deepEqual(settings(dir).keyGroups, [[{ kind: FIELD, fields: { key_id: 'g1' } }]]);
    rmSync(join(dir, '.sops.yaml'));
  });

  it('is written into the metadata, read back, and opens the file; it is labelled by its descriptor', async () => {
    assert.ok(entrySchemas().some((s) => s.field === FIELD));
    const file = join(dir, 'v.yaml');
    const enc = Buffer.from(await encryptBytes(Buffer.from('password: hunter2\n'), file, { env, cwd: dir, flags: { keys: { 'test-xor': ['k1'] } } })).toString();
    assert.match(enc, new RegExp(`\\n    ${FIELD}:\\n        - created_at: "?\\d{4}-[^\\n]+\\n          enc: [A-Za-z0-9+/=]+\\n          key_id: k1\\n`));
    assert.doesNotMatch(enc, /hunter2/);
    assert.equal(Buffer.from(await decryptBytes(Buffer.from(enc), file, { env })).toString(), 'password: hunter2\n');
    // Without its secret the kind has nothing to open the file with, and the message names the key by its label.
    await assert.rejects(decryptBytes(Buffer.from(enc), file, { env: { SOPS_DECRYPTION_ORDER: FIELD } }), /test_xor k1: no matching identity/);
    assert.equal(keyLabel({ kind: FIELD, fields: { key_id: 'k1' } }), 'test_xor k1');
  });
});
