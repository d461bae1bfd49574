/**
 * Time as the API shows it: UTC, whole seconds, `YYYY-MM-DDTHH:MM:SSZ` (Neutron's standard attributes).
 *
 * @module
 */

/** Returns the current time; injected so tests can fix it. */
export type Clock = () => Date;

/** Formats a time the way `created_at` / `updated_at` are shown. */
export function formatTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}
