// A local Cloud KMS for tests: google.cloud.kms.v1.KeyManagementService Encrypt/Decrypt over gRPC
// (from the package's own protos) or over its REST mapping, with real AES-GCM and injectable failures.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import { faultPlan, nextBehaviour, serverWith } from './faultplan.js';
import { grpcService, stopGrpc, type Call, type Done } from './fake-grpc.js';

/** What the next request gets: served, a throttle/unavailable/denied error, a delay, or no answer at all. */
export type Behaviour = 'ok' | 'throttle' | 'unavailable' | 'denied' | 'hang' | { delayMs: number };

export interface FakeGcpKms {
  /** Value for SOPS_GCP_KMS_ENDPOINT (`http://127.0.0.1:PORT`: plaintext channel). */
  endpoint: string;
  calls: { method: string; name: string; authorization: string }[];
  /** Behaviours consumed one per request; `fallback` applies after the queue is empty. */
  plan: Behaviour[];
  fallback: Behaviour;
  /** Resource ids this server knows; others answer NOT_FOUND. Empty means every well-formed id. */
  keys: Set<string>;
  stop(): Promise<void>;
}

const grpcCodes = { throttle: 8, unavailable: 14, denied: 7, notFound: 5, invalid: 3 } as const;

export async function startFakeGcpKms(opts: { rest?: boolean } = {}): Promise<FakeGcpKms> {
  const secrets = new Map<string, Buffer>();
  const secretFor = (name: string) => {
    let k = secrets.get(name);
    if (!k) secrets.set(name, (k = randomBytes(32)));
    return k;
  };
  const state = { ...faultPlan<Behaviour, FakeGcpKms['calls'][number]>('ok'), keys: new Set<string>() };
  const hanging = new Set<() => void>();

  /** Applies the next behaviour; resolves to an error [code, message] or null to serve. */
  async function behave(): Promise<[number, string] | null | 'hang'> {
    const b = nextBehaviour(state);
    if (b === 'hang') return 'hang';
    if (typeof b === 'object') {
      await new Promise((r) => setTimeout(r, b.delayMs));
      return null;
    }
    if (b === 'throttle') return [grpcCodes.throttle, 'Quota exceeded for quota metric cryptographic requests'];
    if (b === 'unavailable') return [grpcCodes.unavailable, 'The service is currently unavailable'];
    if (b === 'denied') return [grpcCodes.denied, "Permission 'cloudkms.cryptoKeyVersions.useToEncrypt' denied"];
    return null;
  }

  function encrypt(name: string, plaintext: Buffer): Buffer {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', secretFor(name), iv);
    c.setAAD(Buffer.from(name));
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([iv, c.getAuthTag(), body]);
  }
  function decrypt(name: string, ciphertext: Buffer): Buffer {
    const d = createDecipheriv('aes-256-gcm', secretFor(name), ciphertext.subarray(0, 12));
    d.setAAD(Buffer.from(name));
    d.setAuthTag(ciphertext.subarray(12, 28));
    return Buffer.concat([d.update(ciphertext.subarray(28)), d.final()]);
  }

  /** Shared by both transports: returns [code, message] or the response field. */
  function serve(method: 'Encrypt' | 'Decrypt', name: string, data: Buffer): [number, string] | Buffer {
    if (!/^projects\/[^/]+\/locations\/[^/]+\/keyRings\/[^/]+\/cryptoKeys\/[^/]+$/.test(name)) {
      return [grpcCodes.invalid, `invalid resource name ${name}`];
    }
    if (state.keys.size > 0 && !state.keys.has(name)) return [grpcCodes.notFound, `${name} not found`];
    if (method === 'Encrypt') return encrypt(name, data);
    try {
      return decrypt(name, data);
    } catch {
      return [grpcCodes.invalid, 'Decryption failed: the ciphertext is invalid.'];
    }
  }

  let stop: () => Promise<void>;
  let endpoint: string;

  if (opts.rest) {
    const httpStatus: Record<number, number> = { 3: 400, 5: 404, 7: 403, 8: 429, 14: 503 };
    const statusName: Record<number, string> = {
      3: 'INVALID_ARGUMENT',
      5: 'NOT_FOUND',
      7: 'PERMISSION_DENIED',
      8: 'RESOURCE_EXHAUSTED',
      14: 'UNAVAILABLE',
    };
    const server: HttpServer = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const m = /^\/v1\/(.+):(encrypt|decrypt)(\?.*)?$/.exec(req.url ?? '');
        const method = m?.[2] === 'encrypt' ? 'Encrypt' : 'Decrypt';
        const name = decodeURIComponent(m?.[1] ?? '');
        state.calls.push({ method, name, authorization: String(req.headers.authorization ?? '') });
        const b = await behave();
        if (b === 'hang') {
          hanging.add(() => res.destroy());
          return;
        }
        const reply = (status: number, body: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        };
        const fail = ([code, message]: [number, string]) =>
          reply(httpStatus[code] ?? 500, { error: { code: httpStatus[code] ?? 500, message, status: statusName[code] ?? 'INTERNAL' } });
        if (b) return fail(b);
        if (!m || req.method !== 'POST') return reply(404, { error: { code: 404, message: 'not found' } });
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, string>;
        const input = Buffer.from((method === 'Encrypt' ? body.plaintext : body.ciphertext) ?? '', 'base64');
        const out = serve(method, name, input);
        if (!Buffer.isBuffer(out)) return fail(out);
        reply(200, method === 'Encrypt' ? { name, ciphertext: out.toString('base64') } : { plaintext: out.toString('base64') });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    stop = () =>
      new Promise((r) => {
        for (const h of hanging) h();
        server.closeAllConnections();
        server.close(() => r());
      });
  } else {
    const { grpc, service } = grpcService('@google-cloud/kms', 'kms/v1/service.proto', ['kms', 'v1', 'KeyManagementService']);
    const server = new grpc.Server();
    const handler = (method: 'Encrypt' | 'Decrypt') => async (call: Call, done: Done) => {
      const name = String(call.request.name ?? '');
      state.calls.push({ method, name, authorization: String(call.metadata.get('authorization')[0] ?? '') });
      const b = await behave();
      if (b === 'hang') {
        hanging.add(() => done({ code: grpcCodes.unavailable, details: 'server stopping' }));
        return;
      }
      if (b) return done({ code: b[0], details: b[1] });
      const input = Buffer.from((method === 'Encrypt' ? call.request.plaintext : call.request.ciphertext) as Uint8Array);
      const out = serve(method, name, input);
      if (!Buffer.isBuffer(out)) return done({ code: out[0], details: out[1] });
      done(null, method === 'Encrypt' ? { name, ciphertext: out } : { plaintext: out });
    };
    server.addService(service, {
      Encrypt: handler('Encrypt'),
      Decrypt: handler('Decrypt'),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    endpoint = `http://127.0.0.1:${port}`;
    stop = () => stopGrpc(server, hanging);
  }

  return serverWith(state, { endpoint, stop: () => stop() });
}
