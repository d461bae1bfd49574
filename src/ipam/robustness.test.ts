import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseIp } from './address.js';
import { parseCidr } from './cidr.js';
import { parseMac } from './mac.js';
import type { ParseResult } from './result.js';
import { validateDnsNameservers, validateHostRoutes } from './subnet-attributes.js';

/** Every failure is a typed value with a status and a non-empty message. */
function wellFormed<T>(r: ParseResult<T>): void {
  if (r.ok) return;
  assert.equal(typeof r.type, 'string');
  assert.ok([400, 404, 409].includes(r.status));
  assert.ok(r.message.length > 0);
}

/** Strings built from the characters addresses are made of, plus noise, so parsers get deep. */
const addressish = fc.oneof(
  fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:./-x% '.split('')), maxLength: 48 }),
  fc.string({ maxLength: 48 }),
  fc.ipV4(),
  fc.ipV6(),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 40 })).map(([a, len]) => `${a}/${len}`),
);

describe('parsers never throw on arbitrary input (fast-check)', () => {
  test('parseIp, parseCidr, parseMac', () => {
    fc.assert(
      fc.property(addressish, fc.boolean(), (text, strict) => {
        wellFormed(parseIp(text));
        wellFormed(parseIp(text, 'fixed_ips'));
        wellFormed(parseCidr(text, { strict }));
        wellFormed(parseMac(text));
      }),
      { numRuns: 20_000 },
    );
  });

  test('non-string values from JSON bodies are refused, not crashed on', () => {
    for (const value of [null, 42, {}, [], true] as unknown as string[]) {
      wellFormed(parseIp(value));
      assert.equal(parseIp(value).ok, false);
      assert.equal(parseCidr(value).ok, false);
      assert.equal(parseMac(value).ok, false);
    }
  });

  test('subnet attribute validators', () => {
    const route = fc.record({ destination: addressish, nexthop: addressish });
    fc.assert(
      fc.property(
        fc.array(addressish, { maxLength: 6 }),
        fc.array(route, { maxLength: 3 }),
        (dns, routes) => {
          wellFormed(validateDnsNameservers(4, dns));
          wellFormed(validateHostRoutes(6, routes));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
