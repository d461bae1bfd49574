import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { errorText, QdhcpError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServedNetwork } from '../reconciler/reconciler-types.js';
import { parseServedNetwork } from './format.js';
import { networkIdOfFile } from './layout.js';

/** What {@link loadServedState} found: the usable networks and the files it skipped (with why). */
export interface LoadedServedState {
  readonly networks: readonly ServedNetwork[];
  readonly skipped: readonly { readonly file: string; readonly error: QdhcpError }[];
}

/**
 * Reads every network's served state from `directory` (layout.ts; a missing directory is an empty state).
 * Never throws for a file: one that is unreadable (torn, not JSON, not the schema, another network) or of an
 * incompatible format version is skipped with a warning and listed in `skipped` (SERVED_STATE_UNREADABLE,
 * SERVED_STATE_INCOMPATIBLE); the full sync with the server serves that network again afterwards.
 * Used by the crash restart (served-state.ts) and the socket handover.
 */
export async function loadServedState(directory: string, logger: Logger): Promise<LoadedServedState> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch (error) {
    if (isCode(error, 'ENOENT')) return { networks: [], skipped: [] };
    throw error;
  }
  const networks: ServedNetwork[] = [];
  const skipped: { file: string; error: QdhcpError }[] = [];
  for (const name of names.sort()) {
    const networkId = networkIdOfFile(name);
    if (networkId === undefined) continue;
    const file = join(directory, name);
    let text: string;
    try {
      // Synchronous on purpose: nothing is served yet, and an awaited read costs four thread-pool round
      // trips (open, fstat, read, close) per file, each a loop turn that a loaded host stretches
      // (docs/performance.md, issue 17: 200 files took 2.4 s that way at load 24).
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if (isCode(error, 'ENOENT')) continue;
      skipped.push({
        file,
        error: new QdhcpError('SERVED_STATE_UNREADABLE', { file, reason: errorText(error) }),
      });
      continue;
    }
    const parsed = parseServedNetwork(text, file, networkId);
    if (parsed.kind === 'ok') networks.push(parsed.served);
    else skipped.push({ file, error: parsed.error });
  }
  for (const { file, error } of skipped)
    logger.warn(
      { event: 'agent.served_state_skipped', file, code: error.code, err: error },
      'served state file skipped; the sync with the server serves its network',
    );
  return { networks, skipped };
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
