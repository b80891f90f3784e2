// The MAC sops keeps in `sops.mac`: SHA-512 over the leaves' canonical bytes in document order (fed by the tree
// walk), sealed as an ENC value whose AAD is lastmodified, and checked without ever printing a hash.
import { createHash, type Hash } from 'node:crypto';
import { ExitCode, SopsError, errorMessage } from '../errors.js';
import { decryptValue, encryptValue, type Plain } from './cipher.js';
import { rfc3339Seconds } from './goparse.js';

/** SHA-256("sops"): fed first when mac_only_encrypted is set, so the two MAC modes never collide. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from('8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69', 'hex');

/** The running SHA-512 of a walk's leaves. */
export class MacHash {
  private readonly h: Hash = createHash('sha512');
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(macOnlyEncrypted: boolean) {
    if (macOnlyEncrypted) this.h.update(MAC_ONLY_ENCRYPTED_INIT);
  }

  // Leaves are small; batching them saves a native call per leaf.
  add(b: Uint8Array): void {
    if (b.length === 0) return;
    this.chunks.push(b);
    this.size += b.length;
    if (this.size >= 65536) this.flush();
  }

  private flush(): void {
    if (this.chunks.length) this.h.update(Buffer.concat(this.chunks, this.size));
    this.chunks = [];
    this.size = 0;
  }

  hex(): string {
    this.flush();
    return this.h.digest('hex').toUpperCase();
  }
}

function macAad(lastModified: string): string {
  const aad = rfc3339Seconds(lastModified);
  if (aad === null) throw new SopsError('lastmodified is not an RFC3339 time', ExitCode.Generic);
  return aad;
}

/** Seals the MAC hex as sops stores it in `sops.mac`: a `str` ENC value whose AAD is lastmodified at second precision. */
export function encryptMac(macHex: string, dataKey: Uint8Array, lastModified: string, iv?: Uint8Array): string {
  try {
    return encryptValue(macHex, dataKey, macAad(lastModified), iv);
  } catch (e) {
    const cause = errorMessage(e);
    throw new SopsError(`Could not encrypt MAC: ${cause}`, ExitCode.ErrorEncryptingMac);
  }
}

/** Checks the stored MAC against the computed one, as sops's DecryptTree does; throws SopsError(exit 51). */
export function verifyMac(
  computedMac: string,
  encMac: string | undefined,
  dataKey: Uint8Array,
  lastModified: string,
  ignoreMac = false,
): void {
  if (ignoreMac) return;
  let fileMac: Plain;
  try {
    fileMac = decryptValue(encMac ?? '', dataKey, macAad(lastModified));
  } catch (e) {
    const cause = errorMessage(e);
    throw new SopsError(`Cannot decrypt MAC: ${cause}`, ExitCode.MacMismatch);
  }
  if (fileMac === computedMac) return;
  // Never the MACs themselves: the computed one is SHA-512 over the plaintext values, an oracle for short secrets.
  throw new SopsError(fileMac === '' ? MAC_MISSING : MAC_MISMATCH, ExitCode.MacMismatch);
}

const MAC_ADVICE = 'the file was changed outside sops, or is corrupt; use --ignore-mac only if you trust the file';
/** What a MAC failure says (the caller adds the file name). */
export const MAC_MISMATCH = `MAC mismatch: the MAC stored in the file does not match its contents (${MAC_ADVICE})`;
export const MAC_MISSING = `MAC mismatch: the file has no MAC (${MAC_ADVICE})`;
