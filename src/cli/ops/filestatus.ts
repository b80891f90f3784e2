// filestatus FILE (sops 3.7): whether FILE is a sops file, as sops decides it: its store finds the metadata and the
// metadata has a version and a MAC. A file that does not parse is an error, not "not encrypted".
import { ExitCode, SopsError, errorMessage } from '../../errors.js';
import { readInput } from '../../io.js';
import { metadataKeyOf, storeNameFor } from '../../sops/store.js';
import { getStore } from '../../sops/stores/index.js';
import { splitMetadata } from '../../sops/metadata.js';

export interface FileStatus {
  encrypted: boolean;
}

export async function fileStatus(file: string, inputType?: string): Promise<FileStatus> {
  const bytes = await readInput(file);
  const store = await getStore(storeNameFor(file, inputType));
  let meta;
  try {
    meta = splitMetadata(store.loadEncrypted(bytes), metadataKeyOf(store.name));
  } catch (err) {
    throw new SopsError(`cannot check file status: cannot load encrypted file: ${errorMessage(err).split('\n')[0]}`, ExitCode.Generic, file);
  }
  if (!meta) return { encrypted: false };
  const field = (k: string) => {
    const v = meta.get(k);
    return typeof v === 'string' && v !== '';
  };
  return { encrypted: field('version') && field('mac') };
}
