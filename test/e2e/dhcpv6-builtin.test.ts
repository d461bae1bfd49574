import { runDhcpv6Contract } from './dhcpv6-contract.js';

runDhcpv6Contract({
  driver: 'builtin',
  tag: 'd6b',
  releaseSeen: async (aio, networkId) => {
    await aio.waitFor('the Release counted in the status', async () => {
      const counters = (await aio.served()).find((n) => n.networkId === networkId)?.counters ?? {};
      return (counters['dhcpv6.received.RELEASE'] ?? 0) >= 1 ? true : undefined;
    });
  },
  // Counted where the operator sees it (`qdhcp agent status`), not only logged.
  unknownClientSeen: async (aio, networkId) => {
    await aio.waitFor('the drop counted in the status', async () => {
      const counters = (await aio.served()).find((n) => n.networkId === networkId)?.counters ?? {};
      return (counters['dhcpv6.dropped.unknown-client'] ?? 0) >= 1 ? true : undefined;
    });
  },
});
