// The gRPC side the Google Cloud stand-ins share (fake-gcpkms, fake-gcpsecrets): a service definition loaded from the
// client package's own .proto files (with google-gax's common ones), as the real client speaks it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export type Grpc = typeof import('@grpc/grpc-js');
export type Call = import('@grpc/grpc-js').ServerUnaryCall<Record<string, unknown>, unknown>;
export type Done = import('@grpc/grpc-js').sendUnaryData<unknown>;

/**
 * grpc-js, and the service `path` (e.g. ['kms', 'v1', 'KeyManagementService']) of google/cloud/`proto` from the
 * protos of the npm package `clientPackage`.
 */
export function grpcService(clientPackage: string, proto: string, path: string[]): { grpc: Grpc; service: import('@grpc/grpc-js').ServiceDefinition } {
  const grpc = require('@grpc/grpc-js') as Grpc;
  const loader = require('@grpc/proto-loader') as typeof import('@grpc/proto-loader');
  const clientProtos = join(dirname(require.resolve(`${clientPackage}/package.json`)), 'build', 'protos');
  // google-gax exports no package.json; its main file sits in build/src.
  const gaxProtos = join(dirname(require.resolve('google-gax')), '..', 'protos');
  const def = loader.loadSync(`google/cloud/${proto}`, { includeDirs: [clientProtos, gaxProtos], keepCase: true, longs: String, defaults: false });
  let node: unknown = (grpc.loadPackageDefinition(def) as { google: { cloud: unknown } }).google.cloud;
  for (const p of path) node = (node as Record<string, unknown>)[p];
  return { grpc, service: (node as { service: import('@grpc/grpc-js').ServiceDefinition }).service };
}

/** Stops a stand-in's server: calls held open (`hanging`) are released first; a server slow to drain is forced after 1 s. */
export function stopGrpc(server: import('@grpc/grpc-js').Server, hanging: Set<() => void>): Promise<void> {
  return new Promise<void>((r) => {
    for (const h of hanging) h();
    server.tryShutdown(() => r());
    setTimeout(() => {
      server.forceShutdown();
      r();
    }, 1000).unref();
  });
}
