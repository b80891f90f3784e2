// Starts moto's server (a real AWS emulator, KMS and STS included) on 127.0.0.1 for one test file,
// and gives the environment that points the SDK at it with fixed test credentials.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';

export interface Moto {
  endpoint: string;
  /** Env for the key context: explicit credentials and endpoints, so nothing probes a metadata address. */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

/** `serverEnv` is added to moto's own environment (INITIAL_NO_AUTH_ACTION_COUNT=0 turns on its IAM checks). */
export async function startMoto(serverEnv: NodeJS.ProcessEnv = {}): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore', env: { ...process.env, ...serverEnv } });
  let exited = false;
  child.once('exit', () => (exited = true));
  const deadline = Date.now() + 30_000;
  while (!(await canConnect(port))) {
    if (exited) throw new Error('moto_server exited before listening');
    if (Date.now() > deadline) {
      child.kill();
      throw new Error('moto_server did not start within 30s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL_KMS: endpoint,
      AWS_ENDPOINT_URL_STS: endpoint,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Creates a symmetric KMS key in moto and returns its ARN (region from the endpoint's default, us-east-1 here). */
export async function createKmsKey(moto: Moto, region = 'us-east-1'): Promise<string> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { KMSClient, CreateKeyCommand } = await import('@aws-sdk/client-kms');
  const client = new KMSClient({
    region,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
  try {
    const out = await client.send(new CreateKeyCommand({ Description: 'helm-secrets test key' }));
    return out.KeyMetadata!.Arn!;
  } finally {
    client.destroy();
  }
}
