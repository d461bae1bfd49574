/**
 * Small helpers shared by the IPAM tests (not exported from the module's index).
 *
 * @module
 */

import assert from 'node:assert/strict';
import { parseIp } from '../address.js';
import { type Cidr, parseCidr } from '../cidr.js';
import type { ParseResult } from '../result.js';

/** Parses a CIDR known to be valid. */
export function cidr(text: string): Cidr {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(`test CIDR ${text}: ${r.message}`);
  return r.value;
}

/** Parses an address known to be valid. */
export function ip(text: string): bigint {
  const r = parseIp(text);
  if (!r.ok) throw new Error(`test IP ${text}: ${r.message}`);
  return r.value.value;
}

/** Asserts a failure with the given Neutron type and message. */
export function assertFailure<T>(r: ParseResult<T>, type: string, message: string): void {
  assert.equal(r.ok, false, `expected ${type} failure, got success`);
  if (r.ok) return;
  assert.equal(r.message, message);
  assert.equal(r.type, type);
}
