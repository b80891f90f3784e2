// The list of reference providers: one line per scheme, each importing its module (and its SDK) only when a
// reference uses that scheme, so an echo-only run loads nothing else. A provider module exports `provider`.
// Adding a provider is that module plus one line in `descriptors` (or, for tests, registerProvider()).
import type { RefProvider, RefProviderDescriptor } from './types.js';

function lazy(scheme: string, summary: string, importer: () => Promise<{ provider: RefProvider }>): RefProviderDescriptor {
  let loaded: Promise<RefProvider> | undefined;
  return {
    scheme,
    summary,
    load() {
      if (!loaded) {
        loaded = importer().then((m) => m.provider);
        // A failed import may succeed on a later run (a module installed meanwhile); do not keep the failure.
        loaded.catch(() => (loaded = undefined));
      }
      return loaded;
    },
  };
}

const descriptors: RefProviderDescriptor[] = [
  lazy('echo', 'the reference itself as the value (ref+echo://TEXT)', () => import('./echo.js')),
  lazy('file', 'a local file, raw or base64 (ref+file://PATH[?encode=base64][#/YAML/PATH])', () => import('./file.js')),
  lazy('envsubst', 'text with environment variables substituted (ref+envsubst://$VAR)', () => import('./envsubst.js')),
  lazy('sops', 'a sops-encrypted file, decrypted in-process (ref+sops://PATH[#/KEY])', () => import('./sops.js')),
  lazy('vault', 'HashiCorp Vault KV v1/v2 (ref+vault://PATH/KEY or ref+vault://PATH#/KEY)', () => import('./vault.js')),
  lazy('k8s', 'a Kubernetes Secret or ConfigMap key through kubectl (ref+k8s://v1/Secret/NS/NAME/KEY)', () => import('./k8s.js')),
  lazy('awssecrets', 'AWS Secrets Manager (ref+awssecrets://NAME-OR-ARN[?region=&version_stage=&version_id=][#/KEY])', () => import('./awssecrets.js')),
  lazy('awsssm', 'AWS SSM Parameter Store (ref+awsssm://PATH[?region=&version=][#/KEY] lists the path)', () => import('./awsssm.js')),
  lazy('s3', 'an AWS S3 object (ref+s3://BUCKET/KEY[?region=&version_id=][#/KEY])', () => import('./s3.js')),
  lazy('gcpsecrets', 'GCP Secret Manager (ref+gcpsecrets://PROJECT/SECRET[?version=][#/KEY])', () => import('./gcpsecrets.js')),
  lazy('azurekeyvault', 'an Azure Key Vault secret (ref+azurekeyvault://VAULT/SECRET[/VERSION][#/KEY])', () => import('./azurekeyvault.js')),
];

const byScheme = new Map(descriptors.map((d) => [d.scheme, d]));

/**
 * Adds a provider at run time, the way a line in the list does (the test that proves a new provider needs nothing
 * else uses it). A scheme that is already registered is refused.
 */
export function registerProvider(scheme: string, summary: string, importer: () => Promise<{ provider: RefProvider }>): void {
  if (byScheme.has(scheme)) throw new Error(`reference provider "${scheme}" is already registered`);
  const d = lazy(scheme, summary, importer);
  descriptors.push(d);
  byScheme.set(scheme, d);
}

/** The provider for `scheme` (lower case, as parsed), or undefined when none is registered. */
export function providerFor(scheme: string): RefProviderDescriptor | undefined {
  return byScheme.get(scheme);
}
