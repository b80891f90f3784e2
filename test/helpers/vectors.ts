// The catalogue of encrypted vectors (sops's and helm-secrets' real files in ../shared/vectors), shared by the tests
// that decrypt every one of them.
import { join } from 'node:path';
import { HS_VECTORS, SOPS_VECTORS } from './paths.js';

const HSV = join(HS_VECTORS, 'tests/assets/values/sops');

/** Every encrypted vector, with the input type it needs when the extension does not say it. */
export const ENCRYPTED_VECTORS: { file: string; inputType?: string; expected?: string }[] = [
  { file: join(SOPS_VECTORS, 'example.yaml'), expected: 'example.yaml' },
  { file: join(SOPS_VECTORS, 'example.json'), expected: 'example.json' },
  { file: join(SOPS_VECTORS, 'example.ini'), expected: 'example.ini' },
  { file: join(SOPS_VECTORS, 'example.txt'), expected: 'example.txt' },
  { file: join(SOPS_VECTORS, 'examples/all_in_one/config/secret.enc.json'), expected: 'examples__all_in_one__config__secret.enc.json' },
  { file: join(SOPS_VECTORS, 'examples/per_file/config.enc/static_github.json'), expected: 'examples__per_file__config.enc__static_github.json' },
  { file: join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.env'), expected: 'external__humphd-sops-age__tests__data__secret.enc.env' },
  { file: join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.json'), expected: 'external__humphd-sops-age__tests__data__secret.enc.json' },
  { file: join(SOPS_VECTORS, 'external/humphd-sops-age/tests/data/secret.enc.yaml'), expected: 'external__humphd-sops-age__tests__data__secret.enc.yaml' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/comments.enc.yaml'), expected: 'functional-tests__res__comments.enc.yaml' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/comments_unencrypted_comments.yaml'), expected: 'functional-tests__res__comments_unencrypted_comments.yaml' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format-2.enc.ini'), expected: 'functional-tests__res__format-2.enc.ini' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.env'), expected: 'functional-tests__res__format.enc.env' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.ini'), expected: 'functional-tests__res__format.enc.ini' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.json'), expected: 'functional-tests__res__format.enc.json' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/format.enc.yaml'), expected: 'functional-tests__res__format.enc.yaml' },
  { file: join(SOPS_VECTORS, 'functional-tests/res/multiple_keys.yaml'), expected: 'functional-tests__res__multiple_keys.yaml' },
  { file: join(HSV, 'files/file.json') },
  { file: join(HSV, 'files/file.properties') },
  { file: join(HSV, 'files/file.yaml') },
  { file: join(HSV, 'http.secrets.yaml') },
  { file: join(HSV, 'secrets.age.yaml') },
  { file: join(HSV, 'secrets.gpg_key.yaml') },
  { file: join(HSV, 'secrets.trailing-newline.raw') },
  { file: join(HSV, 'secrets.trailing-newline.yaml') },
  { file: join(HSV, 'secrets.yaml') },
  { file: join(HSV, 'secrets.yaml.gotpl'), inputType: 'yaml' },
  { file: join(HSV, 'some-secrets.windows.yaml') },
  { file: join(HSV, 'some-secrets.yaml') },
];
