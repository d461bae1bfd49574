import { join } from 'node:path';

/**
 * Where the served state lives in the agent's state directory (docs/agent.md "State directory"): one
 * `<network id>.json` per served network in `served-state/`. Temporary files of an interrupted write start
 * with a dot and are never read.
 *
 * @module
 */

/** The served-state directory of an agent whose state directory is `stateDir`. */
export function servedStateDirectory(stateDir: string): string {
  return join(stateDir, 'served-state');
}

/** The file name of one network's served state. */
export function servedStateFileName(networkId: string): string {
  return `${networkId}.json`;
}

/** The network id a file name stands for, or undefined for anything else (temporary files, strays). */
export function networkIdOfFile(name: string): string | undefined {
  return /^([A-Za-z0-9][A-Za-z0-9_-]*)\.json$/.exec(name)?.[1];
}
