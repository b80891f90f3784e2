// A local Secret Manager for tests: google.cloud.secretmanager.v1.SecretManagerService AccessSecretVersion over
// gRPC, from the @google-cloud/secret-manager package's own protos; numbered versions with `latest`, a bearer
// token that must match, and the injectable failures of the Cloud KMS stand-in.
import { faultPlan, nextBehaviour, serverWith } from './faultplan.js';
import { grpcService, stopGrpc, type Call, type Done } from './fake-grpc.js';
import type { Behaviour } from './fake-gcpkms.js';

export interface FakeGcpSecrets {
  /** Value for HELM_SECRETS_GCP_SECRETS_ENDPOINT (`http://127.0.0.1:PORT`: plaintext channel). */
  endpoint: string;
  /** The access token calls must carry (GOOGLE_OAUTH_ACCESS_TOKEN). */
  token: string;
  calls: { name: string; authorization: string }[];
  plan: Behaviour[];
  fallback: Behaviour;
  /** Adds a version to `projects/PROJECT/secrets/SECRET` and returns its number. */
  addVersion(project: string, secret: string, data: string | Buffer): number;
  stop(): Promise<void>;
}

const codes = { throttle: 8, unavailable: 14, denied: 7, notFound: 5, invalid: 3 } as const;

export async function startFakeGcpSecrets(token = 'ya29.fake-secret-manager'): Promise<FakeGcpSecrets> {
  const secrets = new Map<string, Buffer[]>();
  const state = faultPlan<Behaviour, FakeGcpSecrets['calls'][number]>('ok');
  const hanging = new Set<() => void>();

  const { grpc, service } = grpcService('@google-cloud/secret-manager', 'secretmanager/v1/service.proto', ['secretmanager', 'v1', 'SecretManagerService']);

  const access = async (call: Call, done: Done) => {
    const name = String(call.request.name ?? '');
    const authorization = String(call.metadata.get('authorization')[0] ?? '');
    state.calls.push({ name, authorization });
    const b = nextBehaviour(state);
    if (b === 'hang') {
      hanging.add(() => done({ code: codes.unavailable, details: 'server stopping' }));
      return;
    }
    if (typeof b === 'object') await new Promise((r) => setTimeout(r, b.delayMs));
    if (b === 'throttle') return done({ code: codes.throttle, details: 'Quota exceeded for quota metric access requests' });
    if (b === 'unavailable') return done({ code: codes.unavailable, details: 'The service is currently unavailable' });
    if (b === 'denied' || authorization !== `Bearer ${token}`) {
      return done({ code: codes.denied, details: `Permission 'secretmanager.versions.access' denied for resource '${name}' (or it may not exist).` });
    }
    const m = /^projects\/([^/]+)\/secrets\/([^/]+)\/versions\/([^/]+)$/.exec(name);
    if (!m) return done({ code: codes.invalid, details: `Invalid resource field value in the request: ${name}` });
    const versions = secrets.get(`${m[1]}/${m[2]}`);
    if (!versions || versions.length === 0) return done({ code: codes.notFound, details: `Secret [projects/${m[1]}/secrets/${m[2]}] not found or has no versions.` });
    const n = m[3] === 'latest' ? versions.length : /^\d+$/.test(m[3]!) ? Number(m[3]) : NaN;
    if (Number.isNaN(n)) return done({ code: codes.invalid, details: `Invalid resource field value in the request: ${name}` });
    const data = versions[n - 1];
    if (!data) return done({ code: codes.notFound, details: `Secret Version [projects/${m[1]}/secrets/${m[2]}/versions/${m[3]}] not found.` });
    done(null, { name: `projects/${m[1]}/secrets/${m[2]}/versions/${n}`, payload: { data } });
  };

  const server = new grpc.Server();
  server.addService(service, { AccessSecretVersion: access });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );

  return serverWith(state, {
    endpoint: `http://127.0.0.1:${port}`,
    token,
    addVersion(project: string, secret: string, data: string | Buffer): number {
      const list = secrets.get(`${project}/${secret}`) ?? [];
      list.push(Buffer.from(data));
      secrets.set(`${project}/${secret}`, list);
      return list.length;
    },
    stop: () => stopGrpc(server, hanging),
  });
}
