// Case 4: the cost of one leaf through src/sops/cipher.ts (encryptValue / decryptValue), averaged over a
// generated file's leaves in a fresh process, against node:crypto with one cipher and fresh IV per leaf.
import { median } from '../stats.js';
import { errorRow, runWorker, type Ctx, type Row } from '../context.js';

export function cipherPerLeaf(ctx: Ctx): Row[] {
  const n = ctx.sizes.cipherLeaves;
  const label = `${n.toLocaleString('en-US')} leaves`;
  try {
    ctx.log(`case 4: ${ctx.sizes.runs.cipher} runs of ${label} through cipher.ts`);
    const rs = Array.from({ length: ctx.sizes.runs.cipher }, () => runWorker(ctx, { op: 'cipher', leaves: n, seed: ctx.seed }));
    const enc = median(rs.map((r) => r.encUs as number));
    const dec = median(rs.map((r) => r.decUs as number));
    ctx.shared.cipherEncUs = enc;
    ctx.shared.cipherDecUs = dec;
    const floorOf = (us: number | undefined, name: string) => (us ? { value: us, unit: 'µs' as const, name } : undefined);
    return (
      [
        ['encrypt', enc, floorOf(ctx.shared.leafEncFloorUs, 'node:crypto, one cipher per leaf')],
        ['decrypt', dec, floorOf(ctx.shared.leafDecFloorUs, 'node:crypto, one decipher per leaf')],
      ] as const
    ).map(([what, us, ref]) => ({
      case: 4,
      name: `${what} one leaf (avg over ${label})`,
      status: 'ok' as const,
      ours: { value: us, unit: 'µs' as const },
      ref,
      ratio: ref ? us / ref.value : undefined,
      target: '≤ 2 µs',
      met: us <= 2,
      note: what === 'decrypt' ? 'includes parsing ENC[...] and the typed value' : 'includes the ENC[...] text',
    }));
  } catch (err) {
    return [errorRow(4, `crypto per leaf (${label})`, err)];
  }
}
