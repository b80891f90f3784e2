// Case 6: the limits of the machine for this work, on the same bytes as case 3: bulk AES-256-GCM through
// node:crypto, one cipher per leaf, and JSON.parse of the same values.
import { median } from '../stats.js';
import { errorRow, runWorker, type Ctx, type Row } from '../context.js';
import type { BigInput } from './bigfile.js';

export function floor(ctx: Ctx, input: Pick<BigInput, 'plainFile' | 'jsonFile' | 'leaves' | 'plainBytes'>): Row[] {
  const label = `${input.leaves.toLocaleString('en-US')} leaves`;
  try {
    ctx.log(`case 6: ${ctx.sizes.runs.floor} runs of the floor on ${label}`);
    const rs = Array.from({ length: ctx.sizes.runs.floor }, () =>
      runWorker(ctx, { op: 'floor', yamlFile: input.plainFile, jsonFile: input.jsonFile, leaves: input.leaves }),
    );
    const aesMs = median(rs.map((r) => r.aesMs as number));
    const aesMBps = median(rs.map((r) => r.aesMBps as number));
    const leafEncUs = median(rs.map((r) => r.leafEncUs as number));
    const leafDecUs = median(rs.map((r) => r.leafDecUs as number));
    const ivUs = median(rs.map((r) => r.ivUs as number));
    const jsonMs = median(rs.map((r) => r.jsonMs as number));
    ctx.shared.leafEncFloorUs = leafEncUs;
    ctx.shared.leafDecFloorUs = leafDecUs;
    const dec = ctx.shared.bigDecryptMs;
    const vsDecrypt = (ms: number) =>
      dec ? { ref: { value: dec, unit: 'ms' as const, name: `our decrypt ${label}` }, ratio: dec / ms } : {};
    const mb = (input.plainBytes / 1e6).toFixed(2);
    return [
      {
        case: 6,
        name: `AES-256-GCM, one pass over ${mb} MB`,
        status: 'ok',
        ours: { value: aesMs, unit: 'ms' },
        ...vsDecrypt(aesMs),
        met: null,
        note: `${aesMBps.toFixed(0)} MB/s; ratio = our decrypt / this`,
      },
      {
        case: 6,
        name: `JSON.parse of the same values (${label})`,
        status: 'ok',
        ours: { value: jsonMs, unit: 'ms' },
        ...vsDecrypt(jsonMs),
        met: null,
        note: 'ratio = our decrypt / this',
      },
      {
        case: 6,
        name: 'AES-256-GCM encrypt, one cipher object per leaf',
        status: 'ok',
        ours: { value: leafEncUs, unit: 'µs' },
        met: null,
        note: `avg over ${label}, IVs from one bulk random buffer (randomBytes(12) per leaf adds ${ivUs.toFixed(2)} µs); the floor for case 4`,
      },
      {
        case: 6,
        name: 'AES-256-GCM decrypt, one decipher object per leaf',
        status: 'ok',
        ours: { value: leafDecUs, unit: 'µs' },
        met: null,
        note: `avg over ${label}; the floor for case 4`,
      },
    ];
  } catch (err) {
    return [errorRow(6, 'floor', err)];
  }
}
