/**
 * The all-in-one process: the control plane with SQLite and the in-process bus (the defaults). The DHCP
 * agent joins by adding its starter to this list.
 *
 * @module
 */
import type { ComponentStarter } from './run.js';
import { startServer } from './server.js';

/**
 * Components of `qdhcp all-in-one`, started in order and stopped in reverse; all share the process's
 * configuration, logger and bus. The DHCP agent joins as one more line here.
 */
export const ALL_IN_ONE_COMPONENTS: readonly ComponentStarter[] = [startServer];
