import { MAX_INSTANCE_LENGTH, OPTION_RELAY_AGENT_INFO } from './layout.js';
import type { DhcpOptions } from './types.js';

/** One option instance as it will be written: code + at most 255 value bytes. */
export interface OptionPiece {
  readonly code: number;
  readonly value: Uint8Array;
}

/**
 * Distributes option instances over areas in order (options field, `file`, `sname`; RFC 2131 §4.1), given
 * each area's capacity in bytes (End excluded). Option 82 is left out: the caller keeps it in the options
 * field. An instance that does not fit where placement stands moves on to the next area if it fits there
 * whole; otherwise it is split at the space left (RFC 3396 §5 allows splitting anywhere), so short options are
 * not split needlessly. Returns `undefined` when the options do not fit.
 */
export function planOverload(
  options: DhcpOptions,
  capacities: readonly number[],
): OptionPiece[][] | undefined {
  const areas: OptionPiece[][] = capacities.map(() => []);
  let area = 0;
  let left = capacities[0] ?? 0;
  for (const [code, value] of options) {
    if (code === OPTION_RELAY_AGENT_INFO) continue;
    let offset = 0;
    // Each turn places a piece or moves to the next area, so the loop ends.
    for (;;) {
      const piece = value.subarray(offset, offset + MAX_INSTANCE_LENGTH);
      const need = 2 + piece.length;
      if (need <= left) {
        areas[area]!.push({ code, value: piece });
        left -= need;
        offset += piece.length;
        if (offset >= value.length) break;
        continue;
      }
      const next = capacities[area + 1];
      if (next === undefined) return undefined;
      if (need > next && left >= 3) {
        const part = value.subarray(offset, offset + left - 2);
        areas[area]!.push({ code, value: part });
        offset += part.length;
      }
      area++;
      left = next;
    }
  }
  return areas;
}
