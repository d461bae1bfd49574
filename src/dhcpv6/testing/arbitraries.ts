/** fast-check generators of valid DHCPv6 messages, for the property tests (and the engine's). */
import fc from 'fast-check';
import type { ClientServerTypeName } from '../message-types.js';
import { optionTypeOf } from '../option-table.js';
import type { Dhcpv6Message, Dhcpv6Option, Duid } from '../types.js';

const u32 = fc.nat(0xffffffff);
const u16 = fc.nat(0xffff);
const address = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength });

export const duid: fc.Arbitrary<Duid> = fc.oneof(
  fc.record({ kind: fc.constant('llt' as const), hardwareType: u16, time: u32, linkLayerAddress: bytes(16) }),
  fc.record({ kind: fc.constant('en' as const), enterpriseNumber: u32, identifier: bytes(16) }),
  fc.record({ kind: fc.constant('ll' as const), hardwareType: u16, linkLayerAddress: bytes(16) }),
  fc.record({ kind: fc.constant('uuid' as const), uuid: fc.uint8Array({ minLength: 16, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('other' as const),
    duidType: fc.integer({ min: 5, max: 0xffff }),
    data: bytes(16),
  }),
);

const label = fc
  .array(
    fc.integer({ min: 0x21, max: 0x7e }).filter((c) => c !== 0x2e),
    { minLength: 1, maxLength: 20 },
  )
  .map((codes) => String.fromCharCode(...codes));
const domain = fc.array(label, { maxLength: 4 }).map((labels) => labels.join('.'));
const unknownCode = u16.filter((code) => optionTypeOf(code) === undefined);

const CLIENT_SERVER: ClientServerTypeName[] = [
  'SOLICIT',
  'ADVERTISE',
  'REQUEST',
  'CONFIRM',
  'RENEW',
  'REBIND',
  'REPLY',
  'RELEASE',
  'DECLINE',
  'RECONFIGURE',
  'INFORMATION-REQUEST',
];

/** Messages and options, nested to a few levels (IA options inside IAs, a relayed message inside a relay). */
const tree = fc.letrec<{ option: Dhcpv6Option; options: Dhcpv6Option[]; message: Dhcpv6Message }>((tie) => ({
  options: fc.array(tie('option'), { maxLength: 4, depthIdentifier: 'dhcpv6' }),
  option: fc.oneof(
    { depthSize: 'small', withCrossShrink: true, depthIdentifier: 'dhcpv6' },
    fc.record({ type: fc.constant('client-id' as const), duid }),
    fc.record({ type: fc.constant('server-id' as const), duid }),
    fc.record({ type: fc.constant('oro' as const), requested: fc.array(u16, { maxLength: 6 }) }),
    fc.record({ type: fc.constant('preference' as const), preference: fc.nat(255) }),
    fc.record({ type: fc.constant('elapsed-time' as const), centiseconds: u16 }),
    fc.record({
      type: fc.constant('status-code' as const),
      status: u16,
      message: fc.string({ unit: 'grapheme' }),
    }),
    fc.constant({ type: 'rapid-commit' as const }),
    fc.record({ type: fc.constant('dns-server' as const), servers: fc.array(address, { maxLength: 3 }) }),
    fc.record({ type: fc.constant('domain-search' as const), domains: fc.array(domain, { maxLength: 3 }) }),
    fc.record({ type: fc.constant('information-refresh-time' as const), seconds: u32 }),
    fc.record({ type: fc.constant('client-linklayer-addr' as const), hardwareType: u16, address: bytes(8) }),
    fc.record({ type: fc.constant('unknown' as const), code: unknownCode, data: bytes(40) }),
    fc.record({ type: fc.constant('ia-na' as const), iaid: u32, t1: u32, t2: u32, options: tie('options') }),
    fc.record({ type: fc.constant('ia-pd' as const), iaid: u32, t1: u32, t2: u32, options: tie('options') }),
    fc.record({ type: fc.constant('ia-ta' as const), iaid: u32, options: tie('options') }),
    fc.record({
      type: fc.constant('ia-addr' as const),
      address,
      preferredLifetime: u32,
      validLifetime: u32,
      options: tie('options'),
    }),
    fc.record({
      type: fc.constant('ia-prefix' as const),
      preferredLifetime: u32,
      validLifetime: u32,
      prefixLength: fc.nat(255),
      prefix: address,
      options: tie('options'),
    }),
    fc.record({ type: fc.constant('relay-message' as const), message: tie('message') }),
  ),
  message: fc.oneof(
    { depthSize: 'small', depthIdentifier: 'dhcpv6' },
    fc.record({
      kind: fc.constant('client-server' as const),
      type: fc.constantFrom(...CLIENT_SERVER),
      transactionId: fc.nat(0xffffff),
      options: tie('options'),
    }),
    fc.record({
      kind: fc.constant('relay' as const),
      type: fc.constantFrom('RELAY-FORW' as const, 'RELAY-REPL' as const),
      hopCount: fc.nat(255),
      linkAddress: address,
      peerAddress: address,
      options: tie('options'),
    }),
  ),
}));

/**
 * Any valid DHCPv6 message, nested at most a few levels. Cloned so records have the ordinary prototype
 * (fast-check builds them without one, which `deepStrictEqual` would count as a difference).
 */
export const dhcpv6Message: fc.Arbitrary<Dhcpv6Message> = tree.message.map((message) =>
  structuredClone(message),
);
