import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listNamespaces, type NamespaceName, namespacePids, runIpBatch } from '../linux/ip-batch.js';
import { readLinks, removeDhcpNamespace } from '../linux/network-plumbing.js';
import {
  type CleanupAction,
  type CleanupOwner,
  describeAction,
  groupByOwner,
  type ObservedHostDevice,
  type ObservedNamespace,
  planCleanup,
  qdhcpNetworkId,
  qrouterId,
} from './cleanup-plan.js';

/** Options of {@link cleanupNamespaces}. */
export interface CleanupOptions {
  readonly namespacePrefix: string;
  /** Where bridges and uplinks live (undefined = current namespace). */
  readonly hostNamespace: NamespaceName;
  readonly all: boolean;
  readonly dryRun: boolean;
  /** qdhcp owns this host's bridges and uplinks (default true); false: namespaces only (cleanup-plan.ts). */
  readonly ownsL2?: boolean;
  /** Networks that stay (agent start); undefined: decide from what exists (cleanup-plan.ts). */
  readonly keep?: ReadonlySet<string>;
  /** Routers that stay; undefined: stale ones only, or none touched with `keep` (cleanup-plan.ts). */
  readonly keepRouters?: ReadonlySet<string>;
  /** Interfaces of the physical interface mappings (never deleted; a stale bridge may carry them). */
  readonly mappedInterfaces?: ReadonlySet<string>;
  /** Bridges of `bridge_mappings` (the operator's: never deleted). */
  readonly mappedBridges?: ReadonlySet<string>;
  /** dnsmasq driver state directory: `<dir>/<network id>` is removed with its namespace. */
  readonly stateDirectory: string | undefined;
  /**
   * The agent's orphan removal: runs one owner's removal only if it is still not wanted when its turn
   * comes (a network bound while the plan was made and run must keep what it serves on), resolving whether
   * it ran (reconciler/orphan-guard.ts). Undefined: the whole plan runs as made (`qdhcp netns-cleanup`).
   */
  readonly guard?: OrphanGuard;
}

/** Runs `remove` when `owner` is still not wanted, in turn with its network's work; resolves whether it ran. */
export type OrphanGuard = (owner: CleanupOwner, remove: () => Promise<void>) => Promise<boolean>;

/** What was (or, with `dryRun`, would be) done. */
export interface CleanupResult {
  readonly actions: readonly CleanupAction[];
  readonly lines: readonly string[];
  readonly errors: readonly string[];
}

function ownsL2(options: CleanupOptions): boolean {
  return options.ownsL2 ?? true;
}

async function observe(
  options: CleanupOptions,
): Promise<{ namespaces: ObservedNamespace[]; host: ObservedHostDevice[] }> {
  const namespaces: ObservedNamespace[] = [];
  for (const name of await listNamespaces()) {
    const networkId = qdhcpNetworkId(name, options.namespacePrefix);
    const routerId = qrouterId(name, options.namespacePrefix);
    if (networkId === undefined && routerId === undefined) continue;
    // At agent start the router reconciler owns the router namespaces (cleanup-plan.ts): not even read.
    if (routerId !== undefined && options.keep !== undefined && options.keepRouters === undefined) continue;
    // A kept network's (or router's) namespace stays whatever it holds: no `ip` process per one served.
    if (
      (networkId !== undefined && options.keep?.has(networkId) === true) ||
      (routerId !== undefined && options.keepRouters?.has(routerId) === true)
    ) {
      namespaces.push({ name, devices: [], pids: [] });
      continue;
    }
    const links = await readLinks(name).catch(() => new Map());
    namespaces.push({ name, devices: [...links.keys()], pids: await namespacePids(name) });
  }
  const host: ObservedHostDevice[] = [];
  if (ownsL2(options)) {
    for (const link of (await readLinks(options.hostNamespace)).values()) {
      host.push({ name: link.name, kind: link.kind, master: link.master });
    }
  }
  return { namespaces, host };
}

/**
 * `qdhcp netns-cleanup` and the agent's start-up convergence: removes what qdhcp created and nothing else —
 * stale DHCP and router namespaces (or those of networks not kept, or with `all` every one, after killing
 * the processes inside) and the bridges and uplinks of networks that are gone (cleanup-plan.ts says which).
 * Errors are collected, not thrown, so one stuck namespace does not keep the others.
 */
export async function cleanupNamespaces(options: CleanupOptions): Promise<CleanupResult> {
  const { namespaces, host } = await observe(options);
  const actions = planCleanup(namespaces, host, {
    namespacePrefix: options.namespacePrefix,
    all: options.all,
    ownsL2: ownsL2(options),
    ...(options.keep !== undefined && { keep: options.keep }),
    ...(options.keepRouters !== undefined && { keepRouters: options.keepRouters }),
    ...(options.mappedInterfaces !== undefined && { mappedInterfaces: options.mappedInterfaces }),
    ...(options.mappedBridges !== undefined && { mappedBridges: options.mappedBridges }),
  });
  const errors: string[] = [];
  if (options.dryRun) return { actions, lines: actions.map(describeAction), errors };
  const guard = options.guard;
  if (guard === undefined) {
    await execute(actions, options, errors);
    return { actions, lines: actions.map(describeAction), errors };
  }
  const done: CleanupAction[] = [];
  for (const group of groupByOwner(actions, host, options.namespacePrefix)) {
    const remove = () => execute(group.actions, options, errors);
    const ran =
      group.owner === undefined ? await remove().then(() => true) : await guard(group.owner, remove);
    if (ran) done.push(...group.actions);
  }
  return { actions: done, lines: done.map(describeAction), errors };
}

/** Carries out planned actions in order; errors are collected (module comment). */
async function execute(
  actions: readonly CleanupAction[],
  options: CleanupOptions,
  errors: string[],
): Promise<void> {
  const devices: string[] = [];
  for (const action of actions) {
    try {
      switch (action.kind) {
        case 'kill-process':
          process.kill(action.pid, 'SIGKILL');
          break;
        case 'delete-namespace':
          // Its devices first: the tap on the bridge goes at once, even while a killed process still
          // holds the namespace.
          await removeDhcpNamespace(action.namespace);
          if (options.stateDirectory !== undefined) {
            await rm(join(options.stateDirectory, action.networkId), { recursive: true, force: true });
          }
          break;
        case 'delete-router-namespace':
          // The same order as a router's removal (linux-router-data-plane.ts): its qr-/qg- devices take
          // their taps along; its nftables table dies with the namespace.
          await removeDhcpNamespace(action.namespace);
          break;
        case 'delete-device':
          devices.push(action.device);
          break;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH')
        errors.push(`${describeAction(action)}: ${(error as Error).message}`);
    }
  }
  if (devices.length > 0) {
    const result = await runIpBatch(
      options.hostNamespace,
      devices.map((device) => `link del ${device}`),
      { force: true },
    );
    if (result !== undefined && result.code !== 0) errors.push(`deleting devices: ${result.stderr.trim()}`);
  }
}
