/**
 * Robustness of the engine: whatever a decoded message says, the engine decides (never throws), and every
 * answer it gives encodes, carries the request's transaction id and goes back through the same relays. Run on
 * generated client messages aimed at the engine's paths (our/other server ids, the port's MAC or others,
 * relays with and without option 79) and on any message the codec can produce.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Dhcpv6Message,
  type Dhcpv6Option,
  type Duid,
  duidLlFromMac,
  encodeMessage,
} from '../dhcpv6/index.js';
import { dhcpv6Message } from '../dhcpv6/testing/arbitraries.js';
import { v6 } from '../dhcpv6/testing/values.js';
import { handleDhcpv6 } from './engine.js';
import { CONFIG, PORT, subnet, tables } from './testing/tables.js';
import type { Dhcpv6Decision } from './types.js';

const mac = fc.constantFrom([0xfa, 0x16, 0x3e, 0, 0, 6], [0xfa, 0x16, 0x3e, 0, 0, 7], [1, 2, 3, 4, 5]);
const duid: fc.Arbitrary<Duid> = fc.oneof(
  mac.map((m): Duid => ({ kind: 'llt', hardwareType: 1, time: 1, linkLayerAddress: Uint8Array.from(m) })),
  mac.map((m): Duid => ({ kind: 'll', hardwareType: 1, linkLayerAddress: Uint8Array.from(m) })),
  fc.constant<Duid>({ kind: 'en', enterpriseNumber: 9, identifier: Uint8Array.from([1]) }),
  fc.constant<Duid>(duidLlFromMac(CONFIG.serverMac)),
);
const address = fc.constantFrom('2001:db8:77::6', '2001:db8:77::7', '2001:db8:99::1', '::').map(v6);
const iaAddress = fc.record({
  type: fc.constant('ia-addr' as const),
  address,
  preferredLifetime: fc.nat(),
  validLifetime: fc.nat(),
  options: fc.constant([]),
});
const option: fc.Arbitrary<Dhcpv6Option> = fc.oneof(
  duid.map((d): Dhcpv6Option => ({ type: 'client-id', duid: d })),
  duid.map((d): Dhcpv6Option => ({ type: 'server-id', duid: d })),
  fc.record({
    type: fc.constant('ia-na' as const),
    iaid: fc.nat(),
    t1: fc.nat(),
    t2: fc.nat(),
    options: fc.array(iaAddress, { maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('ia-ta' as const),
    iaid: fc.nat(),
    options: fc.array(iaAddress, { maxLength: 2 }),
  }),
  fc.record({
    type: fc.constant('ia-pd' as const),
    iaid: fc.nat(),
    t1: fc.nat(),
    t2: fc.nat(),
    options: fc.constant([]),
  }),
  fc.record({ type: fc.constant('oro' as const), requested: fc.subarray([23, 24, 32, 39]) }),
  fc.constant<Dhcpv6Option>({ type: 'rapid-commit' }),
);
const clientMessage = fc.record({
  kind: fc.constant('client-server' as const),
  type: fc.constantFrom(
    'SOLICIT',
    'REQUEST',
    'CONFIRM',
    'RENEW',
    'REBIND',
    'RELEASE',
    'DECLINE',
    'INFORMATION-REQUEST',
    'REPLY',
  ),
  transactionId: fc.nat(0xffffff),
  options: fc.array(option, { maxLength: 6 }),
});
const relayed: fc.Arbitrary<Dhcpv6Message> = fc
  .tuple(clientMessage, fc.nat(2), fc.boolean(), address)
  .map(([client, levels, with79, link]) => {
    let message: Dhcpv6Message = client;
    for (let i = 0; i < levels; i++) {
      const options: Dhcpv6Option[] = [{ type: 'relay-message', message }];
      if (with79)
        options.unshift({
          type: 'client-linklayer-addr',
          hardwareType: 1,
          address: Uint8Array.from([0xfa, 0x16, 0x3e, 0, 0, 6]),
        });
      message = {
        kind: 'relay',
        type: 'RELAY-FORW',
        hopCount: i,
        linkAddress: link,
        peerAddress: v6('fe80::1'),
        options,
      };
    }
    return message;
  });
const modes = fc.constantFrom(
  subnet('dhcpv6-stateful'),
  subnet('dhcpv6-stateless'),
  subnet('slaac'),
  subnet(null, null),
  subnet('dhcpv6-stateful', 'slaac'),
);

function checkDecision(request: Dhcpv6Message, decision: Dhcpv6Decision): void {
  if (decision.kind === 'drop') {
    assert.ok(decision.detail.length > 0);
    return;
  }
  const bytes = encodeMessage(decision.reply);
  assert.ok(bytes.length >= 4);
  let sent: Dhcpv6Message = decision.reply;
  let received: Dhcpv6Message = request;
  while (received.kind === 'relay') {
    assert.equal(sent.kind, 'relay', 'one Relay-repl per Relay-forw');
    if (sent.kind !== 'relay') return;
    assert.equal(sent.peerAddress, received.peerAddress);
    const inner = (m: Dhcpv6Message) => m.options.find((o) => o.type === 'relay-message');
    const [nextSent, nextReceived] = [inner(sent), inner(received)];
    assert.ok(nextSent?.type === 'relay-message' && nextReceived?.type === 'relay-message');
    sent = nextSent.message;
    received = nextReceived.message;
  }
  assert.equal(sent.kind, 'client-server');
  if (sent.kind === 'client-server' && received.kind === 'client-server') {
    assert.equal(sent.transactionId, received.transactionId);
    assert.ok(sent.type === 'ADVERTISE' || sent.type === 'REPLY');
  }
}

describe('the engine never throws, and its answers encode and retrace the relays', () => {
  it('targeted client messages, direct and relayed, on every kind of subnet', () => {
    let replies = 0;
    fc.assert(
      fc.property(
        relayed,
        modes,
        fc.option(fc.constantFrom('fa:16:3e:00:00:06', 'fa:16:3e:00:00:07')),
        fc.boolean(),
        (request, s, link, rapid) => {
          const decision = handleDhcpv6(
            { message: request, linkLayerAddress: link ?? undefined },
            { ...CONFIG, rapidCommit: rapid },
            tables([s], [PORT]),
          );
          if (decision.kind === 'reply') replies++;
          checkDecision(request, decision);
        },
      ),
      { numRuns: 5000, seed: 0x6e9 },
    );
    assert.ok(replies > 100, `${replies} answers: the generator reaches the answering paths`);
  });

  it('any message the codec can produce, with a bad domain in the configuration', () => {
    fc.assert(
      fc.property(dhcpv6Message, (request) => {
        checkDecision(
          request,
          handleDhcpv6(
            { message: request },
            { ...CONFIG, domain: 'bad domain' },
            tables([subnet(null, null)]),
          ),
        );
      }),
      { numRuns: 3000, seed: 0x6ea },
    );
  });
});
