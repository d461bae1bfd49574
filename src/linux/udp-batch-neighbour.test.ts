import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  UDP_BATCH_NEIGHBOUR_BROADCAST as NEIGHBOUR_ENTRY_REFUSED,
  UDP_BATCH_NEIGHBOUR_SET as NEIGHBOUR_ENTRY_SET,
} from '@qdhcp/netns';
import { nextMessage } from '../../test/support/datagrams.js';
import { canUseNamespaces, type Namespace, Sandbox } from '../../test/support/netns.js';
import { NEIGHBOUR_BROADCAST, NEIGHBOUR_SET } from '../dhcp-server/reply-outbox.js';
import { bindUdpInNamespace } from './namespace-sockets.js';
import {
  BATCH_SLOTS,
  type BatchedUdpEndpoint,
  ipv4Number,
  openBatchedUdpInNamespace,
} from './udp-batch-socket.js';

// The send path's neighbour entries (native/netns/src/udp-batch-send.c, SIOCSARP as dnsmasq does): namespace
// "srv" (10.99.0.1/24 on srv0) and, over one veth, "cli", whose cli0 holds 10.99.0.5 with ARP off: like a
// DHCP client without an address, it never answers ARP, so a datagram to 10.99.0.5 reaches it only through
// the entry the send path set. A socket bound to 10.99.0.5 receives no broadcast, so it tells the two apart.
const skip = canUseNamespaces() ? false : 'needs root for network namespaces';
const CLIENT_MAC = '02:00:00:99:00:05';
const CLIENT_MAC_OCTETS = Uint8Array.from(CLIENT_MAC.split(':').map((octet) => Number.parseInt(octet, 16)));
const PORT = 16868;

let sandbox: Sandbox;
let server: Namespace;
let client: Namespace;

before(async () => {
  if (skip) return;
  sandbox = new Sandbox('nbr');
  server = await sandbox.addNamespace('srv');
  client = await sandbox.addNamespace('cli');
  await sandbox.addVeth(server, 'srv0', client, 'cli0', {
    localAddresses: ['10.99.0.1/24'],
    peerMac: CLIENT_MAC,
    peerAddresses: ['10.99.0.5/24'],
  });
  await client.ip(['link', 'set', 'cli0', 'arp', 'off']);
});
after(async () => {
  await sandbox?.teardown();
});

/** Sends one datagram with the neighbour arrays; returns what the kernel took and the state written back. */
function sendWithNeighbour(endpoint: BatchedUdpEndpoint, text: string, to: string, port: number) {
  const neighbours = new Uint8Array(BATCH_SLOTS);
  const hardware = new Uint8Array(BATCH_SLOTS * 6);
  neighbours[0] = NEIGHBOUR_ENTRY_SET;
  hardware.set(CLIENT_MAC_OCTETS, 0);
  const addresses = Uint32Array.of(ipv4Number(to));
  const sent = endpoint.sendBatch(
    1,
    [Buffer.from(text)],
    addresses,
    Uint16Array.of(port),
    neighbours,
    hardware,
  );
  return { sent, state: neighbours[0] };
}

async function neighbourEntry(address: string): Promise<string> {
  return (await server.ip(['neigh', 'show', address])).stdout.trim();
}

test('the outbox and the addon agree on the neighbour states', () => {
  assert.equal(NEIGHBOUR_ENTRY_SET, NEIGHBOUR_SET);
  assert.equal(NEIGHBOUR_ENTRY_REFUSED, NEIGHBOUR_BROADCAST);
});

for (const [label, device] of [
  ['bound to an address (serve: the route picks the device)', undefined],
  ['bound to the device (the agent: SO_BINDTODEVICE names it)', 'srv0'],
] as const) {
  test(`a socket ${label} sets the entry and unicasts to a host that cannot answer ARP`, {
    skip,
  }, async () => {
    await server.ip(['neigh', 'flush', 'dev', 'srv0']);
    const endpoint = openBatchedUdpInNamespace({
      namespace: server.name,
      address: device === undefined ? '10.99.0.1' : '0.0.0.0',
      port: PORT,
      broadcast: true,
      ...(device === undefined ? {} : { device }),
    });
    const receiver = await bindUdpInNamespace({
      namespace: client.name,
      address: '10.99.0.5',
      port: PORT + 1,
    });
    try {
      const received = nextMessage(receiver);
      assert.deepEqual(sendWithNeighbour(endpoint, 'offer', '10.99.0.5', PORT + 1), {
        sent: 1,
        state: NEIGHBOUR_ENTRY_SET,
      });
      assert.equal(await received, 'offer');
      const entry = await neighbourEntry('10.99.0.5');
      assert.match(entry, /lladdr 02:00:00:99:00:05/);
      assert.doesNotMatch(entry, /PERMANENT/, 'aged out by the kernel like any learned entry');
    } finally {
      endpoint.close();
      receiver.close();
    }
  });
}

test('an address on no link of the namespace: the entry is refused and the datagram is broadcast instead', {
  skip,
}, async () => {
  const endpoint = openBatchedUdpInNamespace({
    namespace: server.name,
    address: '10.99.0.1',
    port: PORT,
    broadcast: true,
  });
  // A wildcard socket hears the limited broadcast; nothing can reach 192.0.2.7 from here.
  const receiver = await bindUdpInNamespace({ namespace: client.name, address: '0.0.0.0', port: PORT + 2 });
  try {
    const received = nextMessage(receiver);
    assert.deepEqual(sendWithNeighbour(endpoint, 'fallback', '192.0.2.7', PORT + 2), {
      sent: 1,
      state: NEIGHBOUR_ENTRY_REFUSED,
    });
    assert.equal(await received, 'fallback');
    assert.equal(await neighbourEntry('192.0.2.7'), '');
  } finally {
    endpoint.close();
    receiver.close();
  }
});
