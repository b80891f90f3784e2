#!/usr/bin/env node
// A stand-in age plugin, `age-plugin-standin`, for tests: it speaks the age plugin protocol (recipient-v1 and
// identity-v1) over stdin/stdout the way hardware plugins do, with a symmetric test key instead of a token.
// The real `age` binary drives it as well as this project does, which is how the tests know both sides are right.
//   age-plugin-standin --generate [FLAGS]   prints an identity line and its recipient line
// FLAGS (a number) are kept in the identity: 1 asks for a PIN (it must be 1234) with request-secret, 2 sends a
// message first, 4 answers with an error stanza. Each run appends its protocol to $STANDIN_LOG when that is set.
import { appendFileSync } from 'node:fs';
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { bech32 } from '@scure/base';

const b64 = (b) => Buffer.from(b).toString('base64').replace(/=+$/, '');
const tagOf = (key) => createHash('sha256').update(key).digest().subarray(0, 4).toString('hex');

function encodeStanza(type, args = [], body = Buffer.alloc(0)) {
  const text = b64(body);
  const lines = [];
  for (let i = 0; i <= text.length; i += 64) lines.push(text.slice(i, i + 64));
  if (lines[lines.length - 1].length === 64) lines.push('');
  return `-> ${[type, ...args].join(' ')}\n${lines.join('\n')}\n`;
}

function decode(s, expect) {
  const d = bech32.decodeToBytes(s.toLowerCase(), false);
  if (d.prefix !== expect) throw new Error(`not a standin key: ${d.prefix}`);
  return Buffer.from(d.bytes);
}

if (process.argv[2] === '--generate') {
  const flags = Number(process.argv[3] ?? 0);
  const key = randomBytes(32);
  const id = bech32.encode('age-plugin-standin-', bech32.toWords(Buffer.concat([Buffer.from([flags]), key])), false).toUpperCase();
  const rcpt = bech32.encode('age1standin', bech32.toWords(key), false);
  process.stdout.write(`${id}\n${rcpt}\n`);
  process.exit(0);
}

const protocol = (process.argv.find((a) => a.startsWith('--age-plugin=')) ?? '').slice('--age-plugin='.length);
if (process.env.STANDIN_LOG) appendFileSync(process.env.STANDIN_LOG, `${protocol}\n`);

// ---- reading stanzas from stdin ----
let buf = '';
let wake;
let ended = false;
process.stdin.setEncoding('latin1');
process.stdin.on('data', (d) => {
  buf += d;
  wake?.();
});
process.stdin.on('end', () => {
  ended = true;
  wake?.();
});
async function line() {
  for (;;) {
    const i = buf.indexOf('\n');
    if (i >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      return l;
    }
    if (ended) process.exit(3);
    await new Promise((r) => (wake = r));
    wake = undefined;
  }
}
async function stanza() {
  const head = await line();
  if (!head.startsWith('-> ')) throw new Error(`bad stanza line: ${head}`);
  const [type, ...args] = head.slice(3).split(' ');
  let text = '';
  for (;;) {
    const l = await line();
    text += l;
    if (l.length < 64) break;
  }
  return { type, args, body: Buffer.from(text, 'base64') };
}
const send = (type, args, body) => process.stdout.write(encodeStanza(type, args, body));
async function expectOk() {
  const s = await stanza();
  if (s.type !== 'ok') throw new Error(`expected ok, got ${s.type}`);
  return s;
}

async function recipientV1() {
  const keys = [];
  let fileKey;
  for (;;) {
    const s = await stanza();
    if (s.type === 'add-recipient') keys.push(decode(s.args[0], 'age1standin'));
    else if (s.type === 'add-identity') keys.push(decode(s.args[0], 'age-plugin-standin-').subarray(1));
    else if (s.type === 'wrap-file-key') fileKey = s.body;
    else if (s.type === 'done') break;
    // extension-labels and grease are ignored
  }
  for (const key of keys) {
    const nonce = randomBytes(12);
    const c = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const body = Buffer.concat([nonce, c.update(fileKey), c.final(), c.getAuthTag()]);
    send('recipient-stanza', ['0', 'standin', tagOf(key)], body);
    await expectOk();
  }
  send('done');
}

async function identityV1() {
  const ids = [];
  const stanzas = [];
  for (;;) {
    const s = await stanza();
    if (s.type === 'add-identity') ids.push(decode(s.args[0], 'age-plugin-standin-'));
    else if (s.type === 'recipient-stanza') stanzas.push(s);
    else if (s.type === 'done') break;
  }
  for (const id of ids) {
    const flags = id[0];
    const key = id.subarray(1);
    const mine = stanzas.find((s) => s.args[1] === 'standin' && s.args[2] === tagOf(key));
    if (!mine) continue;
    if (flags & 4) {
      send('error', ['identity', '0'], Buffer.from('the standin token is unplugged'));
      await expectOk();
      send('done');
      return;
    }
    if (flags & 2) {
      send('msg', [], Buffer.from('touch the standin token'));
      await expectOk();
    }
    if (flags & 1) {
      send('request-secret', [], Buffer.from('Enter PIN for standin:'));
      const r = await stanza();
      if (r.type !== 'ok' || r.body.toString() !== '1234') {
        send('error', ['identity', '0'], Buffer.from('wrong PIN'));
        await expectOk();
        send('done');
        return;
      }
    }
    const body = mine.body;
    const d = createDecipheriv('chacha20-poly1305', key, body.subarray(0, 12), { authTagLength: 16 });
    d.setAuthTag(body.subarray(body.length - 16));
    const fileKey = Buffer.concat([d.update(body.subarray(12, body.length - 16)), d.final()]);
    send('file-key', ['0'], fileKey);
    await expectOk();
    break;
  }
  send('done');
}

try {
  if (protocol === 'recipient-v1') await recipientV1();
  else if (protocol === 'identity-v1') await identityV1();
  else {
    process.stderr.write(`unknown protocol ${protocol}\n`);
    process.exit(2);
  }
} catch (err) {
  process.stderr.write(`standin: ${err.message}\n`);
  process.exit(1);
}
