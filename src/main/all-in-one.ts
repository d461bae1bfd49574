/**
 * The all-in-one process: the control plane with SQLite and the in-process bus (the defaults). The DHCP
 * agent joins by adding its starter to this list.
 *
 * @module
 */
import type { RouterDataPlane } from '../agent/router/router-spec.js';
import type { RunningAgent } from './agent.js';
import type { ComponentStarter } from './run.js';

/**
 * `qdhcp all-in-one` with the DHCP agent on the process's in-process bus. Its options come from
 * `agentFlags`; state dir, DNS domain, lease and debug are the server's. The API's `/metrics` serves the
 * agent's families (issue 4: metrics "on the API and the agent").
 *
 * The agent starts first and the server only once the agent has served its served-state snapshot (issue
 * 17, restart after kill -9: the networks answer before the server's modules are even loaded, and nothing
 * of the server — module loading, the database, the startup sync's reads — runs on this loop while the
 * snapshot's sockets open); the agent asks the server nothing before it is up (`controlPlaneReady`).
 * Stopping closes the agent before the server it talks to, as before.
 */
export function allInOneWithAgent(
  agentFlags: Readonly<Record<string, string>>,
  options: {
    /** The L3 role's data plane (issue 13); absent: the L3 role is not started. */
    readonly routerDataPlane?: RouterDataPlane;
  } = {},
): readonly ComponentStarter[] {
  let agent: RunningAgent | undefined;
  let serverUp: () => void = () => undefined;
  const controlPlaneReady = new Promise<void>((resolve) => {
    serverUp = resolve;
  });
  return [
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
        controlPlaneReady,
      });
      return agent;
    },
    async (context) => {
      await agent?.restored;
      const { startServer } = await import('./server.js');
      const server = await startServer(context, {
        beforeListen: (api) =>
          api.get('/metrics', async (_request, reply) => {
            void reply.type('text/plain; version=0.0.4; charset=utf-8');
            return agent?.renderMetrics() ?? '';
          }),
      });
      serverUp();
      return {
        // The agent first (closing twice is allowed): its last calls still reach the server.
        async close() {
          await agent?.close();
          await server.close();
        },
      };
    },
  ];
}
