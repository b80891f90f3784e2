// Values from anywhere helm reads them, on real helm 3.18 and 4.1.4 with both plugins and a stand-in getter plugin
// installed by `helm plugin install`: each source kind (local, http with a redirect, https with a throwaway CA,
// basic auth in the URL with a query, a CONNECT proxy, netrc, another getter's scheme, git+http through a stand-in
// helm-git from a repository served by git http-backend, on helm 4 a getter in its own getter/v1 format) times each way in (wrapper
// -f in fd and tmp-dir mode, --set-file, secrets:// through the wrapper, the getter alone as Argo CD calls it,
// secrets+age-import:// through the getter and the wrapper, `decrypt`), plain and encrypted. Each cell renders the
// right values or fails with one error naming the source; no file helm is handed holds ENC[...]; no private
// directory is left. Then the failures: unreachable, 404 with credentials, untrusted CA, timeout, ENC[...] without
// metadata, a failing getter, literal vals references, TLS flags, proxies and NO_PROXY.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { encryptBytes } from '../../src/engine.js';
import { testEnv } from '../helpers/env.js';
import { dirsLeftBy } from '../helpers/fakehelm.js';
import { helmHome, type HelmHome } from '../helpers/helmhome.js';
import { HS_VECTORS, ROOT } from '../helpers/paths.js';
import { runAsync, type ProcResult } from '../helpers/proc.js';
import { readLines, writeFakeGetter, writeFakeGetterV1, writeFakeHelmGit, writeHelmShim, writeNodeShim, writeValuesChart } from '../helpers/remotefixture.js';
import { makeCa, startFileServer, startGitServer, startProxy, type FileServer, type GitServer, type Proxy, type TestCa } from '../helpers/webfixture.js';

const AGE_KEY = join(HS_VECTORS, 'tests/assets/age/key.txt');
const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const SECRET = 'remote-secret-value-7f3a';
const PLAIN = 'plain-remote-value-91c2';
const USER = 'alice';
const PASSWORD = 'pa:ss@w0rd-5e1';

/** The plugin's own lines (helm adds its "plugin exited with error" after them). */
const ours = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('[helm-secrets]'));

const PROXY_VARS = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'no_proxy', 'NO_PROXY', 'all_proxy', 'ALL_PROXY'];

describe('remote values: every source kind through every way in', function () {
  this.timeout(600000);
  let dir: string;
  let srv: string;
  let ca: TestCa;
  let plainSrv: FileServer;
  let tlsSrv: FileServer;
  let proxy: Proxy;
  let netrc: string;
  let getter: string;
  let helmGit: string;
  let getterV1: string;
  let gitSrv: GitServer;
  let chart: string;
  let helmShim: string;
  let nodeShim: string;
  let baseEnv: NodeJS.ProcessEnv;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hs-remote-'));
    srv = join(dir, 'srv');
    mkdirSync(srv);
    baseEnv = testEnv();
    for (const v of PROXY_VARS) delete baseEnv[v];
    delete baseEnv.SSL_CERT_FILE;
    delete baseEnv.NETRC;
    const enc = await encryptBytes(Buffer.from(`global_secret: ${SECRET}\nnested:\n  token: ${SECRET}-nested\n`), 'secrets.yaml', { env: baseEnv, flags: { keys: { age: [AGE_RECIPIENT] } } });
    writeFileSync(join(srv, 'secrets.yaml'), enc);
    writeFileSync(join(srv, 'plain.yaml'), `global_secret: ${PLAIN}\n`);
    // ENC[...] values without the sops metadata: ciphertext all the same.
    writeFileSync(join(srv, 'stripped.yaml'), Buffer.from(enc).toString('utf8').replace(/^sops:[\s\S]*$/m, ''));
    ca = makeCa(mkdtempSync(join(dir, 'ca-')));
    plainSrv = await startFileServer({ dir: srv });
    tlsSrv = await startFileServer({ dir: srv, tls: ca, auth: { user: USER, password: PASSWORD } });
    proxy = await startProxy();
    netrc = join(dir, 'netrc');
    writeFileSync(netrc, `machine example.invalid login nobody password nothing\nmachine 127.0.0.1\n  login ${USER}\n  password ${PASSWORD}\n`, { mode: 0o600 });
    getter = writeFakeGetter(dir);
    helmGit = writeFakeHelmGit(dir);
    getterV1 = writeFakeGetterV1(dir);
    // A bare repository with the same files on branch main, served by git http-backend.
    const git = (cwd: string, ...args: string[]) => {
      const r = spawnSync('git', args, { cwd, encoding: 'utf8', env: { ...baseEnv, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
      assert.equal(r.status, 0, r.stderr);
    };
    const work = join(dir, 'work');
    mkdirSync(work);
    for (const f of ['secrets.yaml', 'plain.yaml']) copyFileSync(join(srv, f), join(work, f));
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '.');
    git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', 'commit', '-q', '-m', 'values');
    mkdirSync(join(dir, 'git'));
    git(dir, 'clone', '-q', '--bare', work, join(dir, 'git', 'values.git'));
    gitSrv = await startGitServer(join(dir, 'git'));
    chart = writeValuesChart(dir);
    helmShim = writeHelmShim(dir);
    nodeShim = writeNodeShim(dir);
  });

  after(async () => {
    await Promise.all([plainSrv?.close(), tlsSrv?.close(), proxy?.close(), gitSrv?.close()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  interface SourceKind {
    name: string;
    ref: (file: string) => string;
    env?: () => NodeJS.ProcessEnv;
    /** Only on this helm version. */
    only?: 'v3' | 'v4';
    /** Checked after the cell ran: the request went where it should. */
    check?: (before: { tls: number; proxy: number }) => void;
  }

  const sources: SourceKind[] = [
    { name: 'local', ref: (f) => join(srv, f) },
    { name: 'http (redirected)', ref: (f) => `${plainSrv.base}/redirect/${f}` },
    { name: 'https with a private CA', ref: (f) => `${tlsSrv.base}/${f}`, env: () => ({ SSL_CERT_FILE: ca.ca }) },
    {
      name: 'https, basic auth in the URL, query',
      ref: (f) => `https://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tlsSrv.port}/auth/${f}?ref=a%2Fb&x=1`,
      env: () => ({ SSL_CERT_FILE: ca.ca }),
      check: (b) => assert.ok(tlsSrv.seen.slice(b.tls).some((s) => s.url.endsWith('?ref=a%2Fb&x=1') && s.authorization?.startsWith('Basic ')), JSON.stringify(tlsSrv.seen.slice(b.tls))),
    },
    {
      name: 'https through a CONNECT proxy',
      ref: (f) => `${tlsSrv.base}/${f}`,
      env: () => ({ SSL_CERT_FILE: ca.ca, HTTPS_PROXY: proxy.url }),
      check: (b) => assert.ok(proxy.seen.slice(b.proxy).includes(`CONNECT 127.0.0.1:${tlsSrv.port}`), proxy.seen.join('\n')),
    },
    { name: 'https, credentials from NETRC', ref: (f) => `${tlsSrv.base}/auth/${f}`, env: () => ({ SSL_CERT_FILE: ca.ca, NETRC: netrc }) },
    { name: 'another getter plugin (fake://)', ref: (f) => `fake://${f}` },
    { name: 'a helm 4 getter/v1 plugin (fake4://)', ref: (f) => `fake4://${f}`, only: 'v4' },
    { name: 'git+http through a stand-in helm-git', ref: (f) => `git+http://127.0.0.1:${gitSrv.port}/values.git@${f}?ref=main` },
  ];

  interface Way {
    name: string;
    argv: (ref: string, c: string) => string[];
    env?: NodeJS.ProcessEnv;
    /** The file command: stdout is the plaintext; a plain file is an error (nothing to decrypt). */
    decrypt?: boolean;
    /** helm runs with the wrapper in between (the shim sees helm's input files). */
    wrapper: boolean;
  }

  const ways: Way[] = [
    { name: 'wrapper -f', argv: (r, c) => ['secrets', 'template', 'rel', c, '-f', r], wrapper: true },
    { name: 'wrapper -f, tmp dir', argv: (r, c) => ['secrets', 'template', 'rel', c, '-f', r], env: { HELM_SECRETS_DECRYPT_SECRETS_IN_TMP_DIR: 'true' }, wrapper: true },
    { name: 'wrapper --set-file', argv: (r, c) => ['secrets', 'template', 'rel', c, '--set-file', `blob=${r}`], wrapper: true },
    { name: 'wrapper -f secrets://', argv: (r, c) => ['secrets', 'template', 'rel', c, '-f', `secrets://${r}`], wrapper: true },
    { name: 'getter alone (Argo CD)', argv: (r, c) => ['template', 'rel', c, '-f', `secrets://${r}`], wrapper: false },
    { name: 'getter secrets+age-import://', argv: (r, c) => ['template', 'rel', c, '-f', `secrets+age-import://${AGE_KEY}?${r}`], env: { SOPS_AGE_KEY_FILE: '' }, wrapper: false },
    { name: 'wrapper secrets+age-import://', argv: (r, c) => ['secrets', 'template', 'rel', c, '-f', `secrets+age-import://${AGE_KEY}?${r}`], env: { SOPS_AGE_KEY_FILE: '' }, wrapper: true },
    { name: 'decrypt', argv: (r) => ['secrets', 'decrypt', r], decrypt: true, wrapper: true },
  ];

  const stats = { cells: 0, ms: 0 };

  for (const version of ['v3', 'v4'] as const) {
    describe(`helm ${version}`, () => {
      let home: HelmHome;
      let env: NodeJS.ProcessEnv;
      let shimLog: string;
      let pidLog: string;
      before(function () {
        home = helmHome(this, version, baseEnv);
        for (const plugin of version === 'v4' ? [getter, helmGit, getterV1] : [getter, helmGit]) {
          const r = spawnSync(home.helm, ['plugin', 'install', plugin], { env: { ...baseEnv, ...home.env }, encoding: 'utf8' });
          assert.equal(r.status, 0, r.stdout + r.stderr);
        }
        shimLog = join(home.dir, 'shim.log');
        pidLog = join(home.dir, 'pids.log');
        env = {
          ...baseEnv,
          ...home.env,
          SOPS_AGE_KEY_FILE: AGE_KEY,
          FAKE_GETTER_ROOT: srv,
          HELM_SECRETS_HELM_PATH: helmShim,
          REAL_HELM: home.helm,
          SHIM_LOG: shimLog,
          HELM_SECRETS_NODE_PATH: nodeShim,
          PID_LOG: pidLog,
          GETTER_ENV_LOG: join(home.dir, 'getter-env.log'),
          VAULT_TOKEN: 'hs-test-vault-token',
        };
      });
      after(() => home?.remove());

      const run = async (argv: string[], extra: NodeJS.ProcessEnv): Promise<ProcResult & { shim: string[] }> => {
        writeFileSync(shimLog, '');
        const t0 = Date.now();
        let timer: NodeJS.Timeout | undefined;
        // A run that hangs fails its cell instead of the suite's time-out (a download must always end).
        const r = await runAsync(home.helm, argv, { env: { ...env, ...extra }, cwd: dir, onSpawn: (c) => (timer = setTimeout(() => c.kill('SIGKILL'), 45000)) });
        clearTimeout(timer);
        stats.ms += Date.now() - t0;
        stats.cells++;
        return { ...r, shim: readLines(shimLog) };
      };

      /** Nothing left: no private directory of any plugin process of this suite, no .dec file beside the inputs. */
      const nothingLeft = () => {
        const pids = new Set(readLines(pidLog).map(Number));
        assert.deepEqual(dirsLeftBy(['/dev/shm', tmpdir()], pids), []);
        assert.deepEqual(readdirSync(srv).filter((n) => n.includes('.dec')), []);
      };

      for (const source of sources.filter((x) => !x.only || x.only === version)) {
        for (const way of ways) {
          it(`${source.name} × ${way.name}`, async () => {
            const extra = { ...(source.env?.() ?? {}), ...(way.env ?? {}) };
            const before = { tls: tlsSrv.seen.length, proxy: proxy.seen.length };
            const [enc, plain] = await Promise.all(
              ['secrets.yaml', 'plain.yaml'].map((f) => run(way.argv(source.ref(f), chart), extra)),
            );
            const encOut = enc.stdout.toString();
            const plainOut = plain.stdout.toString();
            assert.equal(enc.code, 0, enc.stderr);
            assert.ok(encOut.includes(SECRET), encOut);
            assert.doesNotMatch(encOut, /ENC\[/);
            if (way.decrypt) {
              // A plain file is not a sops file: one error, naming it.
              assert.notEqual(plain.code, 0);
              assert.match(plain.stderr, /plain\.yaml/);
              assert.equal(ours(plain.stderr).length, 1, plain.stderr);
            } else {
              assert.equal(plain.code, 0, plain.stderr);
              assert.ok(plainOut.includes(PLAIN), plainOut);
            }
            for (const r of [enc, plain]) {
              assert.deepEqual(r.shim.filter((l) => l.startsWith('ENC in')), [], `helm was handed ciphertext: ${r.shim.join('\n')}`);
              assert.doesNotMatch(r.stderr, new RegExp(PASSWORD.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
              assert.doesNotMatch(r.stderr, new RegExp(encodeURIComponent(PASSWORD).replace(/[.*+?^${}()|[\]\\%]/g, '\\$&')));
            }
            source.check?.(before);
            assert.deepEqual(readLines(env.GETTER_ENV_LOG!), [], 'the other getter was given key variables');
            nothingLeft();
          });
        }
      }

      describe('failures: one error naming the source, before helm runs', () => {
        const templateRan = (r: { shim: string[] }) => r.shim.some((l) => l.startsWith('ran: template rel'));
        const cases: { name: string; ref: () => string; env?: () => NodeJS.ProcessEnv; error: RegExp }[] = [
          { name: 'connection refused', ref: () => 'http://127.0.0.1:1/secrets.yaml', error: /(Error while download url|File does not exist:) http:\/\/127\.0\.0\.1:1\/secrets\.yaml \(connection refused\)/ },
          {
            name: '404 with credentials (redacted)',
            ref: () => `https://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tlsSrv.port}/auth/missing.yaml?token=t0ps3cret`,
            env: () => ({ SSL_CERT_FILE: ca.ca }),
            error: /(Error while download url|File does not exist:) https:\/\/\*\*\*@127\.0\.0\.1:\d+\/auth\/missing\.yaml\?token=\*\*\* \(HTTP 404\)/,
          },
          { name: 'wrong credentials', ref: () => `https://${USER}:wrong@127.0.0.1:${tlsSrv.port}/auth/secrets.yaml`, env: () => ({ SSL_CERT_FILE: ca.ca }), error: /\*\*\*@127\.0\.0\.1:\d+\/auth\/secrets\.yaml \(HTTP 401\)/ },
          { name: 'a CA nobody gave', ref: () => `${tlsSrv.base}/secrets.yaml`, error: /\(TLS certificate not accepted \(\w+\); give the CA with SSL_CERT_FILE or --ca-file\)/ },
          { name: 'another CA', ref: () => `${tlsSrv.base}/secrets.yaml`, env: () => ({ SSL_CERT_FILE: ca.otherCa }), error: /TLS certificate not accepted/ },
          { name: 'a server that never answers', ref: () => `${plainSrv.base}/slow/secrets.yaml`, env: () => ({ HELM_SECRETS_HTTP_TIMEOUT: '1' }), error: /slow\/secrets\.yaml \(no complete answer within 1 s \(HELM_SECRETS_HTTP_TIMEOUT\)\)/ },
          { name: 'a body that stops half-way', ref: () => `${plainSrv.base}/stall/secrets.yaml`, env: () => ({ HELM_SECRETS_HTTP_TIMEOUT: '1' }), error: /stall\/secrets\.yaml \(no complete answer within 1 s \(HELM_SECRETS_HTTP_TIMEOUT\)\)/ },
          { name: 'a dead proxy', ref: () => `${plainSrv.base}/plain.yaml`, env: () => ({ http_proxy: 'http://127.0.0.1:1' }), error: /\(connection refused \(through the proxy\)\)/ },
          { name: 'ENC[...] without metadata over http', ref: () => `${plainSrv.base}/stripped.yaml`, error: /stripped\.yaml: has ENC\[\.\.\.\] values but no sops metadata; refusing to hand ciphertext to helm/ },
          { name: 'ENC[...] without metadata from another getter', ref: () => 'fake://stripped.yaml', error: /fake:\/\/stripped\.yaml: has ENC\[\.\.\.\] values but no sops metadata/ },
          { name: 'ENC[...] without metadata, local', ref: () => join(srv, 'stripped.yaml'), error: /stripped\.yaml: has ENC\[\.\.\.\] values but no sops metadata/ },
          { name: 'a getter that fails', ref: () => 'fake://missing.yaml', error: /Error while fetching fake:\/\/missing\.yaml through helm: .*exited with error/ },
        ];
        for (const c of cases) {
          for (const way of [ways[0]!, ways[4]!]) {
            it(`${c.name} (${way.name})`, async () => {
              const r = await run(way.argv(c.ref(), chart), c.env?.() ?? {});
              assert.notEqual(r.code, 0);
              assert.match(r.stderr, c.error);
              assert.doesNotMatch(r.stdout.toString(), /ENC\[|kind: ConfigMap/);
              assert.doesNotMatch(r.stderr, /pa:ss|t0ps3cret|pa%3Ass/);
              if (way.wrapper) {
                assert.equal(templateRan(r), false, r.shim.join('\n'));
                assert.equal(ours(r.stderr).length, 1, r.stderr);
              }
              nothingLeft();
            });
          }
        }

        it('secrets+literal:// with a reference that cannot be resolved, or a reference without the vals backend, is an error in the getter, not a value', async () => {
          for (const [lit, why] of [
            ['secrets+literal://vals!ref+nosuchstore://secret/x#key', /vals error: ref\+nosuchstore:\/\/secret\/x#key: /],
            ['secrets+literal://ref+awssecrets://x', /a vals reference \(ref\+…:\/\/\) needs the vals backend/],
          ] as const) {
            const r = await run(['template', 'rel', chart, '-f', lit], {});
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, why);
            assert.doesNotMatch(r.stdout.toString(), /ref\+/);
          }
        });

        it('decrypt of a URL cannot write in place or to URL.dec', async () => {
          for (const argv of [['secrets', 'decrypt', '-i', `${plainSrv.base}/secrets.yaml`], ['secrets', 'dec', `${plainSrv.base}/secrets.yaml`]]) {
            const r = await run(argv, {});
            assert.notEqual(r.code, 0);
            assert.match(r.stderr, /a URL cannot be decrypted/);
          }
          const ref = await run(['secrets', 'decrypt', 'secrets://fake://secrets.yaml'], {});
          assert.notEqual(ref.code, 0);
          assert.match(ref.stderr, /secrets:\/\/fake:\/\/secrets\.yaml: give the file or URL itself, not a secrets:\/\/ reference/);
        });
      });

      describe('TLS and proxy settings', () => {
        const secretUrl = () => `${tlsSrv.base}/secrets.yaml`;
        it("helm's --ca-file on the command line is the wrapper's CA", async () => {
          const r = await run(['secrets', 'template', 'rel', chart, '--ca-file', ca.ca, '-f', secretUrl()], {});
          assert.equal(r.code, 0, r.stderr);
          assert.ok(r.stdout.toString().includes(SECRET));
        });
        it('--insecure-skip-tls-verify skips the check', async () => {
          const r = await run(['secrets', 'template', 'rel', chart, '--insecure-skip-tls-verify', '-f', secretUrl()], {});
          assert.equal(r.code, 0, r.stderr);
          assert.ok(r.stdout.toString().includes(SECRET));
        });
        it('--cert-file / --key-file send a client certificate', async () => {
          const url = `${tlsSrv.base}/mtls/secrets.yaml`;
          const without = await run(['secrets', 'template', 'rel', chart, '-f', url], { SSL_CERT_FILE: ca.ca });
          assert.match(without.stderr, /\(HTTP 403\)/);
          const r = await run(['secrets', 'template', 'rel', chart, '--cert-file', ca.clientCert, '--key-file', ca.clientKey, '-f', url], { SSL_CERT_FILE: ca.ca });
          assert.equal(r.code, 0, r.stderr);
          assert.ok(r.stdout.toString().includes(SECRET));
        });
        for (const [noProxy, proxyVar] of [['NO_PROXY', 'HTTPS_PROXY'], ['no_proxy', 'https_proxy']] as const) {
          it(`${noProxy} exempts 127.0.0.1 from ${proxyVar}`, async () => {
            const dead = { SSL_CERT_FILE: ca.ca, [proxyVar]: 'http://127.0.0.1:1' };
            const via = await run(['secrets', 'template', 'rel', chart, '-f', secretUrl()], dead);
            assert.match(via.stderr, /connection refused \(through the proxy\)/);
            const direct = await run(['secrets', 'template', 'rel', chart, '-f', secretUrl()], { ...dead, [noProxy]: 'example.invalid,127.0.0.0/8' });
            assert.equal(direct.code, 0, direct.stderr);
          });
        }
        it('http through the proxy is relayed with the query intact', async () => {
          const before = proxy.seen.length;
          const r = await run(['secrets', 'template', 'rel', chart, '-f', `${plainSrv.base}/secrets.yaml?a=%2F&b=c`], { HTTP_PROXY: proxy.url });
          assert.equal(r.code, 0, r.stderr);
          assert.ok(proxy.seen.slice(before).includes(`GET ${plainSrv.base}/secrets.yaml?a=%2F&b=c`), proxy.seen.join('\n'));
        });
        it('redirects: credentials follow within the host, never to another one', async () => {
          // Another origin (same address, other port) that sends every request on to the https server's /auth/.
          const away = http.createServer((_req, res) => res.writeHead(302, { Location: `${tlsSrv.base}/auth/secrets.yaml` }).end());
          await new Promise<void>((r) => away.listen(0, '127.0.0.1', r));
          try {
            const port = (away.address() as AddressInfo).port;
            const before = tlsSrv.seen.length;
            const r = await run(['secrets', 'template', 'rel', chart, '-f', `http://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/x.yaml`], { SSL_CERT_FILE: ca.ca });
            assert.match(r.stderr, /(Error while download url|File does not exist:) http:\/\/\*\*\*@127\.0\.0\.1:\d+\/x\.yaml \(HTTP 401\)/);
            assert.deepEqual(tlsSrv.seen.slice(before).map((x) => x.authorization), [undefined]);
          } finally {
            away.close();
          }
          const same = await run(['secrets', 'template', 'rel', chart, '-f', `https://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${tlsSrv.port}/redirect/auth/secrets.yaml`], { SSL_CERT_FILE: ca.ca });
          assert.equal(same.code, 0, same.stderr);
          assert.ok(same.stdout.toString().includes(SECRET));
        });
        it('a FILE.dec that is still encrypted is not reused: the file is decrypted instead', async () => {
          const local = mkdtempSync(join(dir, 'dec-'));
          copyFileSync(join(srv, 'secrets.yaml'), join(local, 'secrets.yaml'));
          copyFileSync(join(srv, 'secrets.yaml'), join(local, 'secrets.yaml.dec'));
          const r = await run(['secrets', 'template', 'rel', chart, '-f', join(local, 'secrets.yaml')], {});
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stderr, /Warning: ignoring .*secrets\.yaml\.dec: it is still encrypted; decrypting .*secrets\.yaml instead/);
          assert.ok(r.stdout.toString().includes(SECRET));
          assert.deepEqual(r.shim.filter((l) => l.startsWith('ENC in')), []);
        });
        it('secrets+gpg-import://KEY?https://… with an empty keyring, in the getter and the wrapper', async () => {
          copyFileSync(join(HS_VECTORS, 'tests/assets/values/sops/secrets.yaml'), join(srv, 'pgp.yaml'));
          const gnupg = mkdtempSync(join(dir, 'gnupg-'));
          const ref = `secrets+gpg-import://${join(HS_VECTORS, 'tests/assets/gpg/private.gpg')}?${tlsSrv.base}/pgp.yaml`;
          for (const argv of [['template', 'rel', chart, '-f', ref], ['secrets', 'template', 'rel', chart, '-f', ref]]) {
            const r = await run(argv, { SSL_CERT_FILE: ca.ca, GNUPGHOME: gnupg });
            assert.equal(r.code, 0, r.stderr);
            assert.match(r.stdout.toString(), /global_secret: global_bar/);
            assert.doesNotMatch(r.stdout.toString(), /ENC\[/);
          }
          const without = await run(['secrets', 'template', 'rel', chart, '-f', `secrets://${tlsSrv.base}/pgp.yaml`], { SSL_CERT_FILE: ca.ca, GNUPGHOME: gnupg });
          assert.notEqual(without.code, 0);
          assert.match(without.stderr, /pgp\.yaml/);
        });
        it('a proxy that wants credentials gets them from the proxy URL', async () => {
          const authProxy = await startProxy({ user: 'bob', password: 'pr0xy:pw' });
          try {
            const url = `${tlsSrv.base}/secrets.yaml`;
            const refused = await run(['secrets', 'template', 'rel', chart, '-f', url], { SSL_CERT_FILE: ca.ca, HTTPS_PROXY: authProxy.url });
            assert.match(refused.stderr, /\(the proxy refused the tunnel \(HTTP 407\)\)/);
            const withAuth = `http://bob:${encodeURIComponent('pr0xy:pw')}@127.0.0.1:${authProxy.port}`;
            const r = await run(['secrets', 'template', 'rel', chart, '-f', url], { SSL_CERT_FILE: ca.ca, HTTPS_PROXY: withAuth });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(r.stdout.toString().includes(SECRET));
            assert.doesNotMatch(r.stderr, /pr0xy/);
          } finally {
            await authProxy.close();
          }
        });
        it('scripts/wrapper/helm.sh as `helm` (Argo CD): other getters and URLs are decrypted, no loop through the wrapper', async () => {
          const bin = mkdtempSync(join(dir, 'bin-'));
          copyFileSync(join(ROOT, 'scripts/wrapper/helm.sh'), join(bin, 'helm'));
          chmodSync(join(bin, 'helm'), 0o755);
          for (const ref of ['fake://secrets.yaml', `${plainSrv.base}/secrets.yaml`, `secrets://git+http://127.0.0.1:${gitSrv.port}/values.git@secrets.yaml?ref=main`]) {
            const r = await runAsync(join(bin, 'helm'), ['template', 'rel', chart, '-f', ref], {
              env: { ...env, HELM_SECRETS_WRAPPER_ENABLED: 'true', HELM_SECRETS_HELM_PATH: home.helm, PATH: `${bin}:${env.PATH}` },
            });
            assert.equal(r.code, 0, r.stderr);
            assert.ok(r.stdout.toString().includes(SECRET), r.stdout.toString());
            assert.doesNotMatch(r.stdout.toString(), /ENC\[/);
          }
          nothingLeft();
        });
        it('view of a URL prints the plaintext', async () => {
          const r = await run(['secrets', 'view', `${plainSrv.base}/secrets.yaml`], {});
          assert.equal(r.code, 0, r.stderr);
          assert.ok(r.stdout.toString().includes(`global_secret: ${SECRET}`));
        });
        it('HELM_SECRETS_URL_VARIABLE_EXPANSION expands ${VAR} in the getter too', async () => {
          const r = await run(['template', 'rel', chart, '-f', `secrets://${plainSrv.base}/\${HS_FILE}`], { HELM_SECRETS_URL_VARIABLE_EXPANSION: 'true', HS_FILE: 'secrets.yaml' });
          assert.equal(r.code, 0, r.stderr);
          assert.ok(r.stdout.toString().includes(SECRET));
        });
      });
    });
  }

  after(() => {
    if (stats.cells) process.stdout.write(`      remote values: ${stats.cells} helm runs, ${Math.round(stats.ms / stats.cells)} ms each on average\n`);
  });
});
