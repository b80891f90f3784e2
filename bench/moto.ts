// A local AWS KMS for the peer case: moto_server on 127.0.0.1 with test credentials, one symmetric key.
// Nothing leaves the machine; the process is ours and is stopped by its pid.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

export interface Kms {
  arn: string;
  /** Environment that points the AWS SDK at moto with test credentials. */
  env: NodeJS.ProcessEnv;
  encrypt(plain: Uint8Array): Promise<Uint8Array>;
  stop(): void;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function startKms(dir: string): Promise<Kms> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const stop = () => {
    if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGTERM');
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_ENDPOINT_URL: endpoint,
    // Never read the user's AWS profiles.
    AWS_CONFIG_FILE: `${dir}/aws-config-none`,
    AWS_SHARED_CREDENTIALS_FILE: `${dir}/aws-credentials-none`,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await fetch(`${endpoint}/moto-api/`);
        break;
      } catch {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error('moto_server did not start');
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const { KMSClient, CreateKeyCommand, EncryptCommand } = await import('@aws-sdk/client-kms');
    const client = new KMSClient({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const key = await client.send(new CreateKeyCommand({ Description: 'helm-secrets bench' }));
    const arn = key.KeyMetadata?.Arn;
    if (!arn) throw new Error('moto returned no key ARN');
    return {
      arn,
      env,
      async encrypt(plain) {
        const r = await client.send(new EncryptCommand({ KeyId: arn, Plaintext: plain }));
        if (!r.CiphertextBlob) throw new Error('moto returned no ciphertext');
        return r.CiphertextBlob;
      },
      stop,
    };
  } catch (err) {
    stop();
    throw err;
  }
}
