// Part 6 of the robustness suite, for the cloud key services (Vault has its own file): AWS KMS through a proxy in
// front of moto (the real emulator), GCP KMS through the local gRPC server, Azure Key Vault through the local HTTPS
// server. Each passes requests through or injects throttling, unavailability, denials, slow and hanging answers
// while the built CLI decrypts files whose data key is wrapped by that service alone or by it and age. Every run
// ends within the configured bound, with the right key used or one clear error line, and no plaintext in the output.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnv } from '../helpers/env.js';
import { assertNoLeak } from '../helpers/leakscan.js';
import { startFakeAzureKv, type FakeAzureKv } from '../helpers/fake-azurekv.js';
import { startFakeGcpKms, type FakeGcpKms } from '../helpers/fake-gcpkms.js';
import { createKmsKey, startMoto, type Moto } from '../helpers/moto.js';
import { runCliAsync, runCliBounded, type ProcResult } from '../helpers/proc.js';
import { requireTool } from '../helpers/tools.js';

const AGE_RECIPIENT = 'age1rh2xsjg8avja92j3jhtttuczgmqkz89lezxt4e3mmp5ukl5j4f9smvteju';
const PLAIN = 'db:\n    password: kms-fault-secret-1\ntoken: kms-fault-secret-2\n';
const SECRETS = ['kms-fault-secret-1', 'kms-fault-secret-2'];
const TIMEOUT_S = 1;
const ATTEMPTS = 2;
const BOUND_MS = ATTEMPTS * TIMEOUT_S * 1000 + 2000 + 8000;

type Fault = 'ok' | 'hang' | 'throttle' | 'unavailable' | 'denied' | { delayMs: number };

/** An HTTP proxy to moto that applies a plan of faults to KMS Decrypt calls, one per call, then `fallback`. */
class FaultProxy {
  plan: Fault[] = [];
  fallback: Fault = 'ok';
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
        const fault: Fault = isDecrypt ? (this.decrypts++, this.plan.shift() ?? this.fallback) : 'ok';
        const error = (status: number, type: string, message: string) => {
          res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fault' });
          res.end(JSON.stringify({ __type: type, message }));
        };
        if (fault === 'hang') return; // never answers; the client's timeout must end it
        if (fault === 'throttle') return error(400, 'ThrottlingException', 'Rate exceeded');
        if (fault === 'unavailable') return error(500, 'KMSInternalException', 'internal error');
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

/** One key service under test: how to make its files, steer its faults and count its Decrypt calls. */
interface Service {
  id: 'kms' | 'gcp_kms' | 'azure_kv';
  label: string;
  /** Starts the service; returns the encryption flags and the environment for encrypting and for decrypting. */
  start(dir: string): Promise<{ keyArgs: string[]; encryptEnv: NodeJS.ProcessEnv; decryptEnv: NodeJS.ProcessEnv }>;
  stop(): Promise<void>;
  steer(plan: Fault[], fallback: Fault): void;
  decrypts(): number;
  errorLine: RegExp;
  throttled: RegExp;
  denied: RegExp;
}

function awsKms(): Service {
  let moto: Moto | undefined;
  let proxy: FaultProxy | undefined;
  return {
    id: 'kms',
    label: 'AWS KMS (proxy in front of moto)',
    async start(dir) {
      moto = await startMoto();
      const arn = await createKmsKey(moto);
      proxy = new FaultProxy(new URL(moto.endpoint));
      await proxy.start();
      const env = {
        ...moto.env,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      };
      return { keyArgs: ['--kms', arn], encryptEnv: env, decryptEnv: { ...env, AWS_ENDPOINT_URL_KMS: proxy.address } };
    },
    async stop() {
      await proxy?.stop();
      await moto?.stop();
    },
    steer(plan, fallback) {
      proxy!.plan = [...plan];
      proxy!.fallback = fallback;
    },
    decrypts: () => proxy!.decrypts,
    errorLine: /^\[helm-secrets\] Error: .*kms arn:aws:kms:/,
    throttled: /Rate exceeded|Throttling/,
    denied: /not authorized/,
  };
}

function gcpKms(): Service {
  let gcp: FakeGcpKms | undefined;
  return {
    id: 'gcp_kms',
    label: 'GCP KMS (local gRPC server)',
    async start() {
      gcp = await startFakeGcpKms();
      const env = { SOPS_GCP_KMS_ENDPOINT: gcp.endpoint, GOOGLE_OAUTH_ACCESS_TOKEN: 'ya29.faults' };
      return { keyArgs: ['--gcp-kms', 'projects/p/locations/global/keyRings/r/cryptoKeys/faults'], encryptEnv: env, decryptEnv: env };
    },
    async stop() {
      await gcp?.stop();
    },
    steer(plan, fallback) {
      gcp!.plan = [...plan];
      gcp!.fallback = fallback;
    },
    decrypts: () => gcp!.calls.filter((c) => c.method === 'Decrypt').length,
    errorLine: /^\[helm-secrets\] Error: .*gcp_kms projects\/p\/locations\/global\/keyRings\/r\/cryptoKeys\/faults/,
    throttled: /Quota exceeded/,
    denied: /Permission .* denied/,
  };
}

function azureKv(): Service {
  let kv: FakeAzureKv | undefined;
  return {
    id: 'azure_kv',
    label: 'Azure Key Vault (local HTTPS server)',
    async start() {
      kv = await startFakeAzureKv();
      kv.createKey('faults');
      const env = { HELM_SECRETS_AZURE_ACCESS_TOKEN: kv.token, HELM_SECRETS_AZURE_KV_CA_FILE: kv.caFile, HELM_SECRETS_AZURE_KV_SKIP_CHALLENGE_CHECK: 'true' };
      return { keyArgs: ['--azure-kv', `${kv.vaultUrl}/keys/faults`], encryptEnv: env, decryptEnv: env };
    },
    async stop() {
      await kv?.stop();
    },
    steer(plan, fallback) {
      kv!.plan = [...plan];
      kv!.fallback = fallback;
    },
    // Each attempt of the SDK's decrypt starts with an authorized GET of the key version (then POSTs .../decrypt).
    decrypts: () => kv!.calls.filter((c) => c.method === 'GET' && c.authorization !== '').length,
    errorLine: /^\[helm-secrets\] Error: .*azure_kv https:\/\/127\.0\.0\.1:\d+\/keys\/faults/,
    throttled: /too many requests|Throttled|429/,
    denied: /does not have keys|Forbidden|403/,
  };
}

const counts: Record<string, { runs: number; viaKey: number; viaAge: number; clearErrors: number }> = {};

for (const service of [awsKms(), gcpKms(), azureKv()]) {
  describe(`robustness 6b: ${service.label} faults at the CLI, with mixed keys`, function () {
    this.timeout(180000);
    const tally = (counts[service.id] = { runs: 0, viaKey: 0, viaAge: 0, clearErrors: 0 });
    let dir: string;
    let env: NodeJS.ProcessEnv;
    let mixed: string;
    let keyOnly: string;

    before(async function () {
      if (service.id === 'kms') requireTool(this, 'moto_server');
      if (service.id === 'azure_kv') requireTool(this, 'openssl');
      dir = mkdtempSync(join(tmpdir(), `hs-faults-${service.id}-`));
      const s = await service.start(dir);
      const common = {
        HELM_SECRETS_KEY_SERVICE_TIMEOUT: `${TIMEOUT_S}s`,
        HELM_SECRETS_KEY_SERVICE_ATTEMPTS: String(ATTEMPTS),
        SOPS_DECRYPTION_ORDER: `${service.id},age`,
      };
      const encEnv = testEnv({ ...s.encryptEnv, ...common });
      mixed = join(dir, 'mixed.yaml');
      keyOnly = join(dir, 'key.yaml');
      for (const [f, keys] of [
        [mixed, [...s.keyArgs, '--age', AGE_RECIPIENT]],
        [keyOnly, s.keyArgs],
      ] as const) {
        writeFileSync(f, PLAIN);
        const r = await runCliAsync(['encrypt', '-i', ...keys, f], { env: encEnv });
        assert.equal(r.code, 0, r.stderr);
      }
      env = testEnv({ ...s.decryptEnv, ...common });
    });

    after(async () => {
      await service.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
      console.log(
        `      [robustness 6b] ${tally.runs} CLI runs against a faulty ${service.label} (timeout ${TIMEOUT_S}s, ${ATTEMPTS} attempts): ` +
          `${tally.viaKey} decrypted through it, ${tally.viaAge} fell back to age, ${tally.clearErrors} clear one-line errors; all within ${BOUND_MS} ms`,
      );
    });

    async function decryptWith(file: string, plan: Fault[], fallback: Fault): Promise<ProcResult & { calls: number }> {
      service.steer(plan, fallback);
      const before = service.decrypts();
      const r = await runCliBounded(['decrypt', file], env, BOUND_MS);
      service.steer([], 'ok');
      tally.runs++;
      assertNoLeak(r.stderr, SECRETS, 'stderr');
      return { ...r, calls: service.decrypts() - before };
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
      assert.match(lines[0]!, service.errorLine);
      assert.match(lines[0]!, cause);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      tally.clearErrors++;
    }

    it('answers: decrypted through the key service with one call', async () => {
      const r = await decryptWith(keyOnly, [], 'ok');
      succeeded(r);
      assert.equal(r.calls, 1);
      tally.viaKey++;
    });

    it('hangs: the mixed file decrypts with age after the attempts time out; the single-key file fails clearly', async () => {
      const m = await decryptWith(mixed, [], 'hang');
      succeeded(m);
      assert.equal(m.calls, ATTEMPTS);
      tally.viaAge++;
      clearError(await decryptWith(keyOnly, [], 'hang'), /.+/);
    });

    it('throttles or is unavailable once, then answers: retried, decrypted through the key service', async () => {
      for (const f of ['throttle', 'unavailable'] as const) {
        const r = await decryptWith(keyOnly, [f], 'ok');
        succeeded(r);
        assert.equal(r.calls, 2, `${f} is retried once`);
        tally.viaKey++;
      }
    });

    it('throttles on every attempt: age for the mixed file, a clear error naming the cause for the other', async () => {
      const m = await decryptWith(mixed, [], 'throttle');
      succeeded(m);
      assert.equal(m.calls, ATTEMPTS);
      tally.viaAge++;
      clearError(await decryptWith(keyOnly, [], 'throttle'), service.throttled);
    });

    it('denies: not retried, age is used; without age, a clear error saying so', async () => {
      const m = await decryptWith(mixed, [], 'denied');
      succeeded(m);
      assert.equal(m.calls, 1, 'a denial is not retried');
      tally.viaAge++;
      clearError(await decryptWith(keyOnly, [], 'denied'), service.denied);
    });

    it('slow but within the timeout: one attempt; hangs once, then answers: the retry works', async () => {
      const slow = await decryptWith(keyOnly, [{ delayMs: 300 }], 'ok');
      succeeded(slow);
      assert.equal(slow.calls, 1);
      const once = await decryptWith(keyOnly, ['hang'], 'ok');
      succeeded(once);
      assert.equal(once.calls, 2);
      tally.viaKey += 2;
    });
  });
}
