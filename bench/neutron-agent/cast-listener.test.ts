import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { portCreated } from './cast-listener.js';

/** oslo.messaging's 2.0 envelope around a cast, as neutron-server's DHCP notifier sends it. */
const envelope = (inner: unknown): string =>
  JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(inner) });

const PORT_ID = '9f034b55-6c1e-4f00-9d0a-0d5c1e2f3a4b';

describe('portCreated: the port id of a port_create_end cast', () => {
  const cases: [string, string, string | undefined][] = [
    [
      'a cast as Zed sends it',
      envelope({
        method: 'port_create_end',
        args: { payload: { port: { id: PORT_ID, network_id: 'n' }, priority: 1 } },
        version: '1.0',
        _context_project_id: 'p',
      }),
      PORT_ID,
    ],
    [
      'a bare message without the envelope',
      JSON.stringify({ method: 'port_create_end', args: { payload: { port: { id: PORT_ID } } } }),
      PORT_ID,
    ],
    [
      'another method',
      envelope({ method: 'port_update_end', args: { payload: { port: { id: PORT_ID } } } }),
      undefined,
    ],
    ['no port in the payload', envelope({ method: 'port_create_end', args: { payload: {} } }), undefined],
    [
      'an id that is not a string',
      envelope({ method: 'port_create_end', args: { payload: { port: { id: 7 } } } }),
      undefined,
    ],
    [
      'an envelope whose message is not JSON',
      JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': '{' }),
      undefined,
    ],
    ['not JSON', 'garbage', undefined],
    ['JSON null', 'null', undefined],
    ['an envelope holding null', envelope(null), undefined],
  ];
  for (const [name, body, expected] of cases) {
    test(name, () => assert.equal(portCreated(body), expected));
  }

  test('never throws, whatever arrives (random bytes and mangled casts)', () => {
    const good = envelope({ method: 'port_create_end', args: { payload: { port: { id: PORT_ID } } } });
    for (let i = 0; i < 2000; i += 1) {
      const random = randomBytes(i % 64).toString('latin1');
      const cut = good.slice(0, i % good.length);
      for (const body of [random, cut, `${cut}${random}`]) {
        const result = portCreated(body);
        assert.ok(result === undefined || result === PORT_ID, body);
      }
    }
  });
});
