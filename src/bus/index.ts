/**
 * The message bus: contracts and transports.
 *
 * @module
 */
export type { Bus, Unsubscribe } from './bus.js';
export { createInProcessBus } from './in-process-bus.js';
export * from './messages.js';
