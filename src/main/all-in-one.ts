/**
 * The all-in-one process: the control plane with SQLite and the in-process bus (the defaults). The DHCP
 * agent joins by adding its starter to this list.
 *
 * @module
 */
import type { RouterDataPlane } from '../agent/router/router-spec.js';
import type { RunningAgent } from './agent.js';
import type { ComponentStarter } from './run.js';
import { startServer } from './server.js';

/**
 * `qdhcp all-in-one` with the DHCP agent: the components above, then an agent on the process's in-process
 * bus. Its options come from `agentFlags`; state dir, DNS domain, lease and debug are the server's.
 * Stopped in reverse, so the agent stops before the server it talks to. The API's `/metrics` serves the
 * agent's families (issue 4: metrics "on the API and the agent"), empty until the agent has started.
 */
export function allInOneWithAgent(
  agentFlags: Readonly<Record<string, string>>,
  options: {
    /** The L3 role's data plane (issue 13); absent: the L3 role is not started. */
    readonly routerDataPlane?: RouterDataPlane;
  } = {},
): readonly ComponentStarter[] {
  let agent: RunningAgent | undefined;
  return [
    (context) =>
      startServer(context, {
        beforeListen: (api) =>
          api.get('/metrics', async (_request, reply) => {
            void reply.type('text/plain; version=0.0.4; charset=utf-8');
            return agent?.renderMetrics() ?? '';
          }),
      }),
    async ({ config, logger, bus }) => {
      const { resolveAgentConfig } = await import('../agent/runtime/agent-config.js');
      const { startAgent } = await import('./agent.js');
      const { busControlPlane } = await import('../agent/control-plane.js');
      const agentConfig = resolveAgentConfig(undefined, {
        ...agentFlags,
        state_dir: config.stateDir,
        dns_domain: config.dnsDomain,
        dhcp_lease_duration: String(config.dhcpLeaseDuration),
        debug: String(config.debug),
      });
      const { createL3Rpc } = await import('../agent/router/l3-rpc.js');
      agent = await startAgent(agentConfig, {
        controlPlane: busControlPlane(bus),
        logger,
        roles: { rpc: createL3Rpc(bus), routerDataPlane: options.routerDataPlane },
      });
      return agent;
    },
  ];
}
