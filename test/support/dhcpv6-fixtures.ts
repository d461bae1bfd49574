import { listPacketFixtures, loadPacketFixture, type PacketFixture } from './fixtures.js';

/** A captured (or hand-made) DHCPv6 message: `test/fixtures/dhcpv6/<name>.json` (format in its README). */
export type Dhcpv6Fixture = PacketFixture;

/** Loads one DHCPv6 fixture by name (file name without `.json`). */
export function loadDhcpv6Fixture(name: string): Dhcpv6Fixture {
  return loadPacketFixture('dhcpv6', name);
}

/** Names of every DHCPv6 fixture in the folder. */
export function listDhcpv6Fixtures(): string[] {
  return listPacketFixtures('dhcpv6');
}
