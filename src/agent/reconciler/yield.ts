import { setImmediate } from 'node:timers/promises';

/**
 * Resolves after the event loop has polled for I/O once: lets sockets that are already open (DHCP, DNS,
 * metadata) be served between pieces of synchronous work, which promise chains alone never allow.
 */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate().then(() => undefined);
}
