/**
 * Wires the planned restart (src/agent/handover/, docs/agent.md "Restart and upgrade without a gap") around
 * a running agent: `--takeover` receives the running agent's sockets before this one starts and tells it to
 * go once this one serves every network it served; every agent (builtin driver) listens for its own
 * successor, and SIGHUP starts one — the same argv with the binary now on disk, so installing a new build and
 * sending SIGHUP is an upgrade.
 *
 * @module
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { handoverSocketPath, serveHandover } from '../agent/handover/handover-server.js';
import {
  type LoadStateForTakeover,
  type PendingTakeover,
  receiveSockets,
} from '../agent/handover/takeover.js';
import type { AgentConfig } from '../agent/runtime/agent-config.js';
import { QdhcpError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { notifySystemd } from '../linux/fd-passing.js';
import { listeningSockets } from '../linux/listening-sockets.js';
import { ensureStateDir } from '../linux/state-dir.js';
import { type AgentDeps, type RunningAgent, startAgent } from './agent.js';

/** The flag a successor is started with. */
export const TAKEOVER_FLAG = '--takeover';

/** How long a successor may take to serve every network of the running agent before it gives up. */
const LOAD_TIMEOUT_MS = 120_000;

/**
 * The default {@link LoadStateForTakeover}: until every network the running agent serves is served here too —
 * from the served-state snapshot the agent restores at start (src/agent/served-state/, so a takeover needs no
 * answer from the control plane), else by its startup sync (retries included; a network unbound meanwhile
 * makes the takeover fail at the deadline, and the running agent goes on).
 */
function waitForServedNetworks(agent: RunningAgent): LoadStateForTakeover {
  return async (networks) => {
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    // A restored network is `serving` once its DHCP socket is; its DNS and metadata sockets come after
    // every network's DHCP (restore.ts), and must be claimed before the unclaimed ones are closed.
    await agent.restored;
    for (;;) {
      const report = agent.reconciler.report();
      const known = new Map(report.map((entry) => [entry.networkId, entry.state] as const));
      const missing = networks.filter((id) => known.get(id) !== 'serving');
      if (missing.length === 0) return;
      if (Date.now() > deadline)
        throw new QdhcpError('HANDOVER_FAILED', {
          reason: `networks not served in time: ${missing.join(', ')}`,
        });
      await sleep(100);
    }
  };
}

/**
 * Until every router metadata listener received from the running agent is adopted by this agent's router
 * data plane (its router sync reached the router) or let go (the router is gone here): until then only the
 * running agent accepts on it, and closing it (`closeUnclaimed`) before the running agent goes would leave
 * metadata through that router refused until the sync binds it again. Not the takeover's condition: past
 * `deadline` (the L3 role cannot reach its server, a router keeps failing) the rest are closed as before,
 * and said so — DHCP, DNS and forwarding do not wait on it.
 */
async function routerListenersAdopted(
  agent: RunningAgent,
  config: AgentConfig,
  deadline: number,
  logger: Logger,
): Promise<void> {
  // Without the L3 role nothing here adopts them: the running agent had it, this one does not.
  if (!config.roles.has('l3') || config.rpc === 'neutron') return;
  for (;;) {
    const waiting = agent.routerMetadata.handedOverWaiting();
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      logger.warn(
        { event: 'agent.router_metadata_not_adopted', namespaces: waiting },
        'router metadata listeners not adopted in time: closed, bound again when their routers converge',
      );
      return;
    }
    await sleep(100);
  }
}

export interface HandoverOptions {
  /** Take over from the agent running with the same state dir (`qdhcp agent --takeover`). */
  readonly takeover: boolean;
  /** How a successor loads the served state (default: {@link waitForServedNetworks}). */
  readonly loadStateForTakeover?: (agent: RunningAgent) => LoadStateForTakeover;
}

/**
 * Starts the agent (taking over when asked) and its handover socket; with the builtin driver only (dnsmasq
 * answers from its own processes, which this does not hand over). Resolves to what `runProcess` stops.
 */
export async function startAgentWithHandover(
  config: AgentConfig,
  deps: AgentDeps,
  options: HandoverOptions,
): Promise<{ close(): Promise<void> }> {
  const logger = deps.logger.child({ component: 'handover' });
  if (config.driver !== 'builtin') {
    if (options.takeover)
      throw new QdhcpError('HANDOVER_FAILED', {
        reason: `driver ${config.driver} cannot take over (builtin only)`,
      });
    return startAgent(config, deps);
  }
  ensureStateDir(config.stateDir);
  const path = handoverSocketPath(config.stateDir);
  const started = performance.now();
  let pending: PendingTakeover | undefined;
  if (options.takeover)
    pending = await receiveSockets({ path, stateDir: config.stateDir, sockets: listeningSockets });
  const agent = await startAgent(config, deps);
  if (pending !== undefined) {
    try {
      const load = (options.loadStateForTakeover ?? waitForServedNetworks)(agent);
      await load(pending.networks);
      await routerListenersAdopted(agent, config, Date.now() + LOAD_TIMEOUT_MS, logger);
      const unclaimed = listeningSockets.closeUnclaimed();
      const tookOver = performance.now();
      // Before the running agent is told to go: systemd must not see its main process exit while it still is.
      notifySystemd(`MAINPID=${process.pid}`);
      if (!(await pending.complete()))
        logger.warn(
          { event: 'agent.release_unconfirmed' },
          'the running agent did not confirm its release (gone, or still stopping): serving on',
        );
      // The old agent removed the status socket's path as it closed (see rebindStatusSocket).
      await agent.rebindStatusSocket();
      logger.info(
        {
          event: 'agent.took_over',
          ...listeningSockets.counts(),
          unclaimed,
          startToTakeoverMs: Math.round(tookOver - started),
          releaseMs: Math.round(performance.now() - tookOver),
        },
        'took over from the running agent',
      );
    } catch (error) {
      pending.abort();
      await agent.close();
      throw error;
    }
  }
  // This process is the service's main one now (NotifyAccess=all lets a successor say so).
  notifySystemd(`MAINPID=${process.pid}\nREADY=1`);
  const server = await serveHandover({
    path,
    sockets: listeningSockets,
    servedNetworks: () =>
      agent.reconciler
        .report()
        .filter((entry) => entry.state === 'serving')
        .map((entry) => entry.networkId),
    release: () => agent.close(),
    // The exit runProcess does on SIGTERM: every other component closed in order (the agent already is).
    onHandedOver: () => process.kill(process.pid, 'SIGTERM'),
    logger,
  });
  const onHangup = () => startSuccessor(logger);
  process.on('SIGHUP', onHangup);
  return {
    async close() {
      process.off('SIGHUP', onHangup);
      await server.close();
      await agent.close();
    },
  };
}

/** SIGHUP: this process's argv again with {@link TAKEOVER_FLAG}, in its own process group, same output. */
function startSuccessor(logger: Logger): void {
  notifySystemd('RELOADING=1');
  const args = process.argv.slice(1);
  if (!args.includes(TAKEOVER_FLAG)) args.push(TAKEOVER_FLAG);
  const child = spawn(process.execPath, [...process.execArgv, ...args], { detached: true, stdio: 'inherit' });
  child.on('error', (error) =>
    logger.error({ event: 'agent.successor_failed', err: error }, 'successor not started'),
  );
  child.unref();
  logger.info({ event: 'agent.successor_started', successor: child.pid }, 'SIGHUP: successor started');
}
