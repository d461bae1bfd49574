import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isQdhcpError } from '../common/errors.js';
import { neutronAddresses } from './neutron-url.js';

describe('transport_url, read as oslo.messaging reads it', () => {
  const cases: ReadonlyArray<readonly [string, readonly string[] | undefined]> = [
    [
      'rabbit://guest:guest@127.0.0.1:5672/neutron_h1',
      ['amqp://guest:guest@127.0.0.1:5672/neutron_h1?heartbeat=10'],
    ],
    ['rabbit://guest:guest@127.0.0.1:5672/', ['amqp://guest:guest@127.0.0.1:5672/%2F?heartbeat=10']],
    ['rabbit://u:p@h:5672', ['amqp://u:p@h:5672/%2F?heartbeat=10']],
    [
      'rabbit://u:p@a:5672,v:q@b:5673/vh',
      ['amqp://u:p@a:5672/vh?heartbeat=10', 'amqp://v:q@b:5673/vh?heartbeat=10'],
    ],
    // Port 5672 by default, IPv6 in brackets, credentials per host (none: amqplib's guest default),
    // %-escapes decoded then re-encoded, an empty host part skipped, oslo's query dropped.
    [
      'rabbit://a%40b:p%3Ax@[fd00::1],h2:5700,/%2Fv?ssl=1',
      ['amqp://a%40b:p%3Ax@[fd00::1]:5672/%2Fv?heartbeat=10', 'amqp://h2:5700/%2Fv?heartbeat=10'],
    ],
    // The password may hold '@': the host is after the last one.
    ['rabbit://u:p@ss@h/', ['amqp://u:p%40ss@h:5672/%2F?heartbeat=10']],
    ['rabbit:///', undefined],
    ['rabbit://u:p@h:99999/', undefined],
    ['rabbit://u:p@h:x/', undefined],
    ['http://x/', undefined],
  ];
  for (const [url, expected] of cases) {
    it(url, () => {
      if (expected === undefined) assert.throws(() => neutronAddresses(url), { code: 'BUS_URL_INVALID' });
      else {
        const addresses = neutronAddresses(url);
        assert.deepEqual(
          addresses.map((address) => address.connectUrl),
          expected,
        );
        for (const address of addresses)
          assert.ok(!/:(guest|p|q|p%3Ax|p%40ss)@/.test(address.display), 'password hidden');
      }
    });
  }

  it('any text: a list of amqp URLs or BUS_URL_INVALID, never another failure', () => {
    const pieces = fc.constantFrom(
      'rabbit://',
      'amqp://',
      'u',
      ':',
      'p',
      '@',
      'h',
      ',',
      '/',
      '[',
      ']',
      '::1',
      '5672',
      '%',
      '%2F',
      '?',
      'x=1',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.array(pieces, { maxLength: 12 }).map((parts) => parts.join('')),
        ),
        (text) => {
          try {
            for (const address of neutronAddresses(text))
              assert.match(address.connectUrl, /^amqps?:\/\/[^,]+\?heartbeat=10$/);
          } catch (error) {
            if (!isQdhcpError(error, 'BUS_URL_INVALID')) throw error;
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
