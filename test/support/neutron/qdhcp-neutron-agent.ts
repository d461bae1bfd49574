/**
 * `qdhcp agent --neutron` as an operator would run it beside a real Neutron: the run's own neutron.conf
 * (transport_url, host, state_path, `[agent] report_interval`) plus a dhcp_agent.ini in Neutron's option names
 * and qdhcp's few own keys. Started by PID (not as a group: a `kill -9` must hit the agent alone, as a crash
 * would, and leave whatever it started for the next agent to adopt); its output is kept in the run's log dir.
 *
 * @module
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { QDHCP_MAIN } from '../../e2e/api-server-process.js';
import { ManagedProcess } from '../process.js';
import { eventually } from '../scaleout/cluster.js';
import type { NeutronAgent } from './neutron-client.js';
import { metadataProxySocket } from './neutron-config.js';
import type { NeutronEnv } from './neutron-env.js';

/** The `agent_type` qdhcp's agent reports under (Neutron's scheduler looks DHCP agents up by it). */
export const DHCP_AGENT_TYPE = 'DHCP agent';

/** How the agent serves: its DHCP driver and who answers the metadata proxy. */
export interface QdhcpAgentSettings {
  readonly driver: 'builtin' | 'dnsmasq';
  /** `neutron-agent`: forward to neutron-metadata-agent's socket; `nova-local`: sign to Nova itself. */
  readonly metadata: 'neutron-agent' | 'nova-local';
}

/** The dhcp_agent.ini of the agent: what an operator replacing neutron-dhcp-agent would write. */
export function qdhcpAgentIni(env: NeutronEnv, settings: QdhcpAgentSettings): string {
  return `[DEFAULT]
interface_driver = linuxbridge
# Neutron's class name is ignored with a warning; qdhcp's driver is chosen by qdhcp_driver.
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
qdhcp_driver = ${settings.driver}
enable_isolated_metadata = true
force_metadata = false
dns_domain = openstacklocal
num_sync_threads = 4
resync_interval = 5
# A prefix of the run's own: the agent's start-up sweep removes qdhcp-* namespaces of networks it does not
# serve, which would include other runs' (and a neutron-dhcp-agent's) on this shared machine.
namespace_prefix = ${env.sandbox.prefix}-
# Neutron's linuxbridge agent owns the bridges and wires the DHCP port's tap (qdhcp makes namespace and veth).
l2_owner = neutron-linuxbridge
metadata_backend = ${settings.metadata}
metadata_proxy_socket = ${metadataProxySocket(env.stateDir)}
nova_metadata_host = 127.0.0.1
nova_metadata_port = ${env.options.metadataAgent === true ? env.nova.port : 9}
metadata_proxy_shared_secret = ${env.metadataSecret}
`;
}

/** One run of the agent process. */
export class QdhcpNeutronAgent {
  private constructor(
    private readonly process: ManagedProcess,
    private readonly logFile: string,
  ) {}

  /** Writes the agent's ini (numbered by `run`) and starts `qdhcp agent --neutron`. */
  static start(env: NeutronEnv, settings: QdhcpAgentSettings, run: number): QdhcpNeutronAgent {
    const ini = join(env.etcDir, `qdhcp-agent-${run}.ini`);
    writeFileSync(ini, qdhcpAgentIni(env, settings));
    const args = [QDHCP_MAIN, 'agent', '--neutron', '--config-file', join(env.etcDir, 'neutron.conf')];
    args.push('--config-file', ini);
    const process = ManagedProcess.start(`qdhcp-agent-${run}`, globalThis.process.execPath, args);
    return new QdhcpNeutronAgent(process, join(env.logDir, `qdhcp-agent-${run}.log`));
  }

  /**
   * Starts the agent and waits (bounded) until Neutron lists it alive as the host's one DHCP agent with a new
   * `started_at` (set by a report with `start_flag`): a heartbeat of a previous agent, stopped or killed a
   * moment ago, would still count as alive. On failure the agent is stopped and its output is in the error.
   */
  static async startRegistered(
    env: NeutronEnv,
    settings: QdhcpAgentSettings,
    run: number,
  ): Promise<{ agent: QdhcpNeutronAgent; row: NeutronAgent }> {
    const query = { agentType: DHCP_AGENT_TYPE, host: env.host };
    const before = (await env.client.agents(query))[0]?.started_at;
    const agent = QdhcpNeutronAgent.start(env, settings, run);
    try {
      const row = await eventually(
        'the agent reports as started',
        async () => {
          const [found, ...more] = await env.client.agents(query);
          return more.length === 0 && found?.alive === true && found.started_at !== before
            ? found
            : undefined;
        },
        30_000,
        250,
      );
      return { agent, row };
    } catch (error) {
      const output = agent.output();
      await agent.stop().catch(() => undefined);
      throw new Error(`${String(error)}\n${output}`);
    }
  }

  get exited(): boolean {
    return this.process.exit !== undefined;
  }

  /** `kill -9` of the agent's PID only. */
  async kill9(): Promise<void> {
    this.process.signal('SIGKILL');
    await this.process.waitForExit(5000);
    this.saveLog();
  }

  /** SIGTERM (SIGKILL after 10 s). */
  async stop(): Promise<void> {
    await this.process.stop(10_000);
    this.saveLog();
  }

  /** The last of its output, for assertion messages. */
  output(): string {
    return this.process.output();
  }

  private saveLog(): void {
    writeFileSync(this.logFile, this.process.stdout + this.process.stderr);
  }
}
