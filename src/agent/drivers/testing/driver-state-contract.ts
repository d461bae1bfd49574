import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AgentNetwork, AgentPort } from '../../model.js';
import type { StateRules } from '../../reconciler/network-state.js';
import type { DhcpDriver } from '../driver.js';
import { PeerHarness } from './peer-harness.js';

/** A driver under the state contract, with a network it can serve (its DHCP port included). */
export interface StateContractSubject {
  readonly driver: DhcpDriver;
  readonly rules: StateRules;
  readonly network: AgentNetwork;
  /** A compute port on one of the network's DHCP subnets, not in `network` yet. */
  readonly extraPort: AgentPort;
  teardown(): Promise<void>;
}

/**
 * The part of the driver contract that needs no data plane (issue 11): what a driver holds follows the
 * snapshots and deltas it is given, stale changes (dropped by the state) never reach it, its own DHCP port
 * converges it again, and `remove` forgets the network. Run on the in-memory fake in a unit test
 * (fake-driver-contract.test.ts); test/e2e/driver-contract.ts checks the same drivers against real clients.
 */
export function runDriverStateContract(
  name: string,
  setup: () => Promise<StateContractSubject>,
  options: { readonly skip?: string | undefined } = {},
): void {
  describe(`${name} driver state contract`, { skip: options.skip, concurrency: false }, () => {
    let subject: StateContractSubject;
    let harness: PeerHarness<DhcpDriver>;

    before(async () => {
      subject = await setup();
      harness = new PeerHarness(subject.driver, subject.rules);
    });
    after(async () => {
      await harness?.stop();
      await subject?.teardown();
    });

    const id = () => subject.network.id;
    const ports = () => subject.driver.status(id())?.ports;

    test('a full apply serves every port of the snapshot', async () => {
      await harness.enable(subject.network);
      assert.equal(subject.driver.status(id())?.state, 'serving');
      assert.equal(ports(), subject.network.ports.length);
      assert.deepEqual(subject.driver.enabledNetworks(), [id()]);
    });

    test('the same snapshot again changes nothing', async () => {
      await harness.enable(subject.network);
      assert.equal(ports(), subject.network.ports.length);
      assert.deepEqual(subject.driver.enabledNetworks(), [id()]);
    });

    test('a port delta adds and removes one host; a stale one never reaches the driver', async () => {
      const port = { ...subject.extraPort, revision_number: 2 };
      await harness.update({ kind: 'port-upsert', networkId: id(), port });
      await harness.settled(id());
      assert.equal(ports(), subject.network.ports.length + 1);
      const before = harness.state(id());
      await harness.update({ kind: 'port-upsert', networkId: id(), port: { ...port, revision_number: 1 } });
      assert.equal(harness.state(id())?.port(port.id), port, 'the state kept the newer port');
      assert.equal(harness.state(id())?.revision, (before?.revision ?? 0) + 1, 'the revision moved on');
      await harness.update({ kind: 'port-delete', networkId: id(), portId: port.id });
      await harness.settled(id());
      assert.equal(ports(), subject.network.ports.length);
      await harness.update({ kind: 'port-delete', networkId: id(), portId: port.id });
      assert.equal(ports(), subject.network.ports.length);
    });

    test("a change of the agent's own DHCP port converges the network again", async () => {
      const held = harness.state(id());
      const own = held?.dhcpPort;
      assert.ok(held && own, 'the state found the DHCP port');
      // A field the data plane reads changes (its DNS name); a revision-only update would be no change.
      const address = own.fixed_ips[0]?.ip_address ?? '';
      const moved = {
        ...own,
        revision_number: (own.revision_number ?? 0) + 1,
        dns_assignment: [{ ip_address: address, hostname: 'dhcp-renamed', fqdn: 'dhcp-renamed.' }],
      };
      assert.equal(
        held.apply({ kind: 'port-upsert', port: moved, revision: held.revision + 1 }).delta.dhcpPort,
        true,
      );
      await harness.update({ kind: 'port-upsert', networkId: id(), port: moved });
      assert.equal(subject.driver.status(id())?.state, 'serving');
      assert.equal(ports(), subject.network.ports.length);
    });

    test('remove forgets the network; a second remove is harmless', async () => {
      await harness.disable(id(), { retainPort: false });
      await harness.disable(id(), { retainPort: false });
      assert.equal(subject.driver.status(id()), undefined);
      assert.deepEqual(subject.driver.enabledNetworks(), []);
    });
  });
}
