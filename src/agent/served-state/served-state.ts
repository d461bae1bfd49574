import type { Logger } from '../../common/logger.js';
import type { Reconciler } from '../reconciler/reconciler.js';
import { servedStateDirectory } from './layout.js';
import { loadServedState } from './load.js';
import { ServedStateWriter } from './writer.js';

/**
 * The agent's crash-restart snapshot (issue 17, docs/agent.md "State directory"): what the agent serves is
 * kept in its state directory by a {@link ServedStateWriter} (the reconciler's `servedState` sink), and a
 * new process serves it again with {@link restoreInto} before it has heard from the server.
 *
 * @module
 */

/** The writer that keeps the snapshot of an agent whose state directory is `stateDir`. */
export function servedStateWriter(stateDir: string, logger: Logger): ServedStateWriter {
  return new ServedStateWriter(servedStateDirectory(stateDir), logger);
}

/**
 * Loads the snapshot of `stateDir` and serves it through `reconciler` (Reconciler.restore). Returns how
 * many networks are served from it and how many files were skipped (unreadable or incompatible: logged).
 */
export async function restoreInto(
  reconciler: Pick<Reconciler, 'restore'>,
  stateDir: string,
  logger: Logger,
): Promise<{ readonly networks: number; readonly skipped: number }> {
  const started = Date.now();
  const loaded = await loadServedState(servedStateDirectory(stateDir), logger);
  const loadMs = Date.now() - started;
  const networks = await reconciler.restore(loaded.networks);
  const ms = Date.now() - started;
  logger.info(
    { event: 'agent.restored', networks, skipped: loaded.skipped.length, ms, loadMs },
    'serving from the served-state snapshot',
  );
  return { networks, skipped: loaded.skipped.length };
}
