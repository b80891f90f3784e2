// Credentials in URLs never reach a message: with HELM_SECRETS_URL_VARIABLE_EXPANSION=true a values URL such as
// https://host/values.yaml?private_token=${TOKEN} is fetched with the token, but failures and "Decrypt:" lines show
// the URL as written with query values and userinfo replaced by ***. Through the wrapper on helm 3.18 and 4.1.4.
import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { redactUrl, redactUrls } from '../../src/redact.js';
import { testEnv } from '../helpers/env.js';
import { HELM, ROOT } from '../helpers/paths.js';
import { runCliAsync } from '../helpers/proc.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const CHART = join(ROOT, 'test/fixtures/chart');
const TOKEN = 'tok-9f8e7d6c5b4a';
const PASSWORD = 'pw-0a1b2c3d4e';
const LITERAL = 'lit-5e6f7a8b9c';

describe('robustness: credentials in URLs are redacted from messages', function () {
  this.timeout(60000);
  let dir: string;
  let server: Server;
  let base: string;
  let env: NodeJS.ProcessEnv;
  let enc: Uint8Array;
  const seen: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-redact-'));
    env = testEnv({ HELM_SECRETS_URL_VARIABLE_EXPANSION: 'true', HS_TEST_TOKEN: TOKEN });
    enc = await encryptBytes(Buffer.from('global_secret: from-http\n'), join(dir, 'v.yaml'), { env, flags: { keys: { age: [AGE_RECIPIENT] } } });
    server = createServer((req, res) => {
      seen.push(req.url ?? '');
      if ((req.url ?? '').startsWith('/ok/')) res.end(Buffer.from(enc));
      else {
        res.statusCode = 404;
        res.end('not found');
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((r) => server?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  function assertClean(text: string, where: string): void {
    for (const s of [TOKEN, PASSWORD, LITERAL]) assert.ok(!text.includes(s), `${where} shows a credential: ${text}`);
  }

  it('redactUrl drops userinfo and query values, keeps secrets+*-import paths', () => {
    assert.equal(redactUrl('https://u:p@h:1/x.yaml?private_token=abc&x=1#f'), 'https://***@h:1/x.yaml?private_token=***&x=***#f');
    assert.equal(redactUrl('https://h/x.yaml?abc'), 'https://h/x.yaml?***');
    assert.equal(redactUrl('secrets://https://u:p@h/x?t=1'), 'secrets://https://***@h/x?t=***');
    assert.equal(redactUrl('secrets+age-import:///keys/k.txt?secrets.yaml'), 'secrets+age-import:///keys/k.txt?secrets.yaml');
    assert.equal(redactUrl('values/plain.yaml'), 'values/plain.yaml');
    assert.equal(redactUrls("Error at 'https://a:b@h/p?q=s' now"), "Error at 'https://***@h/p?q=***' now");
  });

  for (const version of ['v3', 'v4'] as const) {
    describe(`helm secrets template on helm ${version}`, () => {
      let henv: NodeJS.ProcessEnv;
      before(function () {
        if (!existsSync(HELM[version])) {
          if (process.env.CI === 'true') throw new Error(`${HELM[version]} is missing`);
          this.skip();
        }
        henv = { ...env, HELM_SECRETS_HELM_PATH: HELM[version] };
      });

      for (const [what, url] of [
        ['an expanded token in the query', '/missing/values.yaml?private_token=${HS_TEST_TOKEN}'],
        ['an expanded token in the path', '/missing/${HS_TEST_TOKEN}/values.yaml'],
        ['a literal token in the query', `/missing/values.yaml?token=${LITERAL}`],
        ['a password in the userinfo', 'USERINFO/missing/values.yaml'],
      ] as const) {
        it(`a failed download with ${what} prints no credential`, async () => {
          const full = url.startsWith('USERINFO') ? base.replace('http://', `http://alice:${PASSWORD}@`) + url.slice('USERINFO'.length) : base + url;
          const before = seen.length;
          const r = await runCliAsync(['template', 'rel', CHART, '-f', full], { env: henv });
          assert.notEqual(r.code, 0);
          // helm-secrets' words for a plain URL given to the wrapper that cannot be fetched.
          assert.match(r.stderr, /File does not exist: http:\/\/.*127\.0\.0\.1/);
          assertClean(r.stdout.toString() + r.stderr, `template (helm ${version})`);
          // The request itself carried the expanded value.
          if (url.includes('${')) assert.ok(seen.slice(before).some((u) => u.includes(TOKEN)), seen.join('\n'));
        });
      }

      it('a successful download says "Decrypt:" without the token', async () => {
        const r = await runCliAsync(['template', 'rel', CHART, '-f', `${base}/ok/values.yaml?private_token=\${HS_TEST_TOKEN}`], { env: henv });
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout.toString(), /from-http/);
        assert.match(r.stderr, /Decrypt: http:\/\/127\.0\.0\.1:\d+\/ok\/values\.yaml\?private_token=\*\*\*/);
        assertClean(r.stdout.toString() + r.stderr, 'template');
      });
    });
  }
});
