import { bridgeName } from '../../src/agent/naming.js';
import type { Namespace } from '../../test/support/netns.js';
import { AgentUnderTest } from '../agent/agent-under-test.js';
import { type Progress, type PropagationResult, propagation } from '../agent/scenarios.js';
import type { Cleanup } from './cleanup.js';
import { type DoraCost, type DoraLoad, doraCost, perfdhcp } from './perfdhcp.js';

export interface AgentDhcpSettings extends DoraLoad {
  /** Ports on the one network (perfdhcp's clients are the first `clients` of them). */
  readonly ports: number;
  readonly samples: number;
  readonly cleanup: Cleanup;
  readonly progress: Progress;
}

export interface AgentDhcpResult {
  readonly propagation: PropagationResult;
  readonly dora: DoraCost;
}

/** perfdhcp's relay address on the network: far above anything the ports' random window hands out. */
const PERFDHCP_ADDRESS = '10.77.255.250/16';

/**
 * `qdhcp all-in-one` of the checkout `qdhcpDir` with the builtin driver (bench/agent's AgentUnderTest), one
 * /16 network brought to `ports` ports: first propagation as bench/agent measures it (201 → OFFER, after
 * five warm-up ports), then DHCP CPU per exchange of the agent process, with perfdhcp relaying from its own
 * namespace plugged into the network's bridge. The network's ports have the MACs fa:16:3e + 0…ports−1
 * (the propagation scenario draws them from 0 on), which are perfdhcp's clients.
 */
export async function agentDhcp(qdhcpDir: string, settings: AgentDhcpSettings): Promise<AgentDhcpResult> {
  const agent = await AgentUnderTest.start('builtin', { qdhcpDir, tag: 'ca' });
  settings.cleanup.prefix(agent.bed.namespacePrefix);
  settings.cleanup.track(agent);
  try {
    const macs = { next: 0 };
    const [measured] = await propagation(agent, [settings.ports], settings.samples, macs, settings.progress);
    if (measured === undefined) throw new Error('propagation returned no result');
    const relay = await perfdhcpRelay(agent);
    const warm = await perfdhcp(relay, 'pd0', settings.rate, settings.clients, 3);
    if (warm.acksReceived === 0) throw new Error('warm-up: no ACK from the builtin driver');
    const dora = await doraCost(agent.pid, relay, 'pd0', settings);
    return { propagation: measured, dora };
  } finally {
    await settings.cleanup.release(agent);
  }
}

/**
 * perfdhcp's namespace on the propagation scenario's network: a veth into its bridge with
 * {@link PERFDHCP_ADDRESS} (device `pd0`), once every port the scenario made is reported.
 */
export async function perfdhcpRelay(agent: AgentUnderTest): Promise<Namespace> {
  const networks = await agent.api('GET', '/v2.0/networks?name=prop');
  const network = (networks.body['networks'] as { id: string }[] | undefined)?.[0];
  if (network === undefined) throw new Error('propagation network not found');
  const sandbox = agent.bed.sandbox;
  const relay = await sandbox.addNamespace('pd');
  await sandbox.addVeth(agent.bed.host, sandbox.device('pd'), relay, 'pd0', {
    bridge: bridgeName(network.id),
    peerAddresses: [PERFDHCP_ADDRESS],
  });
  await agent.waitPortsReported(120_000);
  return relay;
}
