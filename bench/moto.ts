// A local AWS KMS for the peer case: moto_server on 127.0.0.1 (started by the tests' launcher,
// test/helpers/moto.ts) with test credentials and one symmetric key. Nothing leaves the machine.
import { spawnSync } from 'node:child_process';
import { createKmsKey, startMoto } from '../test/helpers/moto.js';

export interface Kms {
  arn: string;
  /** Environment that points the AWS SDK at moto with test credentials. */
  env: NodeJS.ProcessEnv;
  encrypt(plain: Uint8Array): Promise<Uint8Array>;
  stop(): void;
}

export function motoAvailable(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function startKms(dir: string): Promise<Kms> {
  const moto = await startMoto();
  const stop = () => void moto.stop();
  try {
    const env: NodeJS.ProcessEnv = {
      ...moto.env,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: moto.endpoint,
      // Never read the user's AWS profiles.
      AWS_CONFIG_FILE: `${dir}/aws-config-none`,
      AWS_SHARED_CREDENTIALS_FILE: `${dir}/aws-credentials-none`,
    };
    const arn = await createKmsKey(moto);
    const { KMSClient, EncryptCommand } = await import('@aws-sdk/client-kms');
    const client = new KMSClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
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
