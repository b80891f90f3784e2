// Part 6 of the robustness suite, for AWS KMS: a proxy in front of moto (the real emulator) passes requests through
// or injects throttling, internal errors, denials, slow and hanging answers, while the built CLI decrypts files
// whose data key is wrapped by KMS alone or by KMS and age. Every run ends within the configured bound, with the
// right key used or one clear error line, and no plaintext in the output.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { assertNoLeak } from '../helpers/leakscan.js';
import { createKmsKey, startMoto, type Moto } from '../helpers/moto.js';
import { runCliAsync, type ProcResult } from '../helpers/proc.js';
import { requireTool } from '../helpers/tools.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const PLAIN = 'db:\n    password: kms-fault-secret-1\ntoken: kms-fault-secret-2\n';
const SECRETS = ['kms-fault-secret-1', 'kms-fault-secret-2'];
const TIMEOUT_S = 1;
const ATTEMPTS = 2;
const BOUND_MS = ATTEMPTS * TIMEOUT_S * 1000 + 2000 + 8000;

type Fault = 'pass' | 'hang' | 'throttle' | 'internal' | 'denied' | { delayMs: number };

/** An HTTP proxy to moto that applies a plan of faults to KMS Decrypt calls, one per call, then `fallback`. */
class FaultProxy {
  plan: Fault[] = [];
  fallback: Fault = 'pass';
  decrypts = 0;
  private readonly server: Server;
  address = '';

  constructor(private readonly target: URL) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const isDecrypt = req.headers['x-amz-target'] === 'TrentService.Decrypt';
        const fault: Fault = isDecrypt ? (this.decrypts++, this.plan.shift() ?? this.fallback) : 'pass';
        const error = (status: number, type: string, message: string) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fault' });
          res.end(JSON.stringify({ __type: type, message }));
        };
        if (fault === 'hang') return; // never answers; the client's timeout must end it
        if (fault === 'throttle') return error(400, 'ThrottlingException', 'Rate exceeded');
        if (fault === 'internal') return error(500, 'KMSInternalException', 'internal error');
        if (fault === 'denied') return error(400, 'AccessDeniedException', 'User is not authorized to perform kms:Decrypt');
        const forward = () => {
          const up = request(
            { host: this.target.hostname, port: this.target.port, path: req.url, method: req.method, headers: req.headers },
            (r) => {
              res.writeHead(r.statusCode ?? 502, r.headers);
              r.pipe(res);
            },
          );
          up.on('error', () => error(502, 'InternalFailure', 'proxy could not reach moto'));
          up.end(body);
        };
        if (typeof fault === 'object') setTimeout(forward, fault.delayMs);
        else forward();
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const counts = { runs: 0, viaKms: 0, viaAge: 0, clearErrors: 0 };

describe('robustness 6b: AWS KMS faults at the CLI (proxy in front of moto), with mixed keys', function () {
  this.timeout(180000);
  let moto: Moto;
  let proxy: FaultProxy;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let mixed: string;
  let kmsOnly: string;

  before(async function () {
    requireTool(this, 'moto_server');
    moto = await startMoto();
    const arn = await createKmsKey(moto);
    proxy = new FaultProxy(new URL(moto.endpoint));
    await proxy.start();
    dir = mkdtempSync(join(tmpdir(), 'hs-kmsfaults-'));
    const base = testEnv({
      ...moto.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      HELM_SECRETS_KEY_SERVICE_TIMEOUT: `${TIMEOUT_S}s`,
      HELM_SECRETS_KEY_SERVICE_ATTEMPTS: String(ATTEMPTS),
      SOPS_DECRYPTION_ORDER: 'kms,age',
    });
    mixed = join(dir, 'mixed.yaml');
    kmsOnly = join(dir, 'kms.yaml');
    for (const [f, keys] of [
      [mixed, ['--kms', arn, '--age', AGE_RECIPIENT]],
      [kmsOnly, ['--kms', arn]],
    ] as const) {
      writeFileSync(f, PLAIN);
      const r = await runCliAsync(['encrypt', '-i', ...keys, f], { env: base });
      assert.equal(r.code, 0, r.stderr);
    }
    env = { ...base, AWS_ENDPOINT_URL_KMS: proxy.address };
  });

  after(async () => {
    await proxy?.stop();
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(
      `      [robustness 6b] ${counts.runs} CLI runs against a faulty AWS KMS (timeout ${TIMEOUT_S}s, ${ATTEMPTS} attempts): ` +
        `${counts.viaKms} decrypted through KMS, ${counts.viaAge} fell back to age, ${counts.clearErrors} clear one-line errors; all within ${BOUND_MS} ms`,
    );
  });

  async function decryptWith(file: string, plan: Fault[], fallback: Fault): Promise<ProcResult & { calls: number }> {
    proxy.plan = [...plan];
    proxy.fallback = fallback;
    const before = proxy.decrypts;
    let timer: NodeJS.Timeout | undefined;
    let overran = false;
    const r = await runCliAsync(['decrypt', file], {
      env,
      onSpawn: (c) => {
        timer = setTimeout(() => ((overran = true), c.kill('SIGKILL')), BOUND_MS);
      },
    });
    clearTimeout(timer);
    assert.equal(overran, false, `the run did not end within ${BOUND_MS} ms`);
    proxy.fallback = 'pass';
    counts.runs++;
    assertNoLeak(r.stderr, SECRETS, 'stderr');
    return { ...r, calls: proxy.decrypts - before };
  }

  function succeeded(r: ProcResult): void {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.toString('utf8'), PLAIN);
  }

  function clearError(r: ProcResult, cause: RegExp): void {
    assert.equal(r.code, 128, r.stderr);
    assert.equal(r.stdout.length, 0);
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^\[helm-secrets\] Error: .*kms arn:aws:kms:/);
    assert.match(lines[0]!, cause);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    counts.clearErrors++;
  }

  it('KMS answers: decrypted through KMS with one call', async () => {
    const r = await decryptWith(kmsOnly, [], 'pass');
    succeeded(r);
    assert.equal(r.calls, 1);
    counts.viaKms++;
  });

  it('KMS hangs: the mixed file decrypts with age after the attempts time out; the KMS-only file fails clearly', async () => {
    const m = await decryptWith(mixed, [], 'hang');
    succeeded(m);
    assert.equal(m.calls, ATTEMPTS);
    counts.viaAge++;
    clearError(await decryptWith(kmsOnly, [], 'hang'), /after 2 attempts/);
  });

  it('KMS throttles or fails internally once, then answers: retried, decrypted through KMS', async () => {
    for (const f of ['throttle', 'internal'] as const) {
      const r = await decryptWith(kmsOnly, [f], 'pass');
      succeeded(r);
      assert.equal(r.calls, 2, `${f} is retried once`);
      counts.viaKms++;
    }
  });

  it('KMS throttles on every attempt: age for the mixed file, a clear error naming the cause for the other', async () => {
    const m = await decryptWith(mixed, [], 'throttle');
    succeeded(m);
    assert.equal(m.calls, ATTEMPTS);
    counts.viaAge++;
    clearError(await decryptWith(kmsOnly, [], 'throttle'), /Rate exceeded|Throttling/);
  });

  it('KMS denies: not retried, age is used; without age, a clear error saying so', async () => {
    const m = await decryptWith(mixed, [], 'denied');
    succeeded(m);
    assert.equal(m.calls, 1, 'a denial is not retried');
    counts.viaAge++;
    clearError(await decryptWith(kmsOnly, [], 'denied'), /not authorized/);
  });

  it('KMS slow but within the timeout: decrypted through KMS on the first attempt; hangs once then answers: the retry works', async () => {
    const slow = await decryptWith(kmsOnly, [{ delayMs: 300 }], 'pass');
    succeeded(slow);
    assert.equal(slow.calls, 1);
    const once = await decryptWith(kmsOnly, ['hang'], 'pass');
    succeeded(once);
    assert.equal(once.calls, 2);
    counts.viaKms += 2;
  });
});
