import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { listNamespaces, type NamespaceName, namespacePids, runIpBatch } from '../linux/ip-batch.js';
import { readLinks } from '../linux/network-plumbing.js';
import { runCommand } from '../linux/run-command.js';
import {
  type CleanupAction,
  describeAction,
  type ObservedHostDevice,
  type ObservedNamespace,
  planCleanup,
  qdhcpNetworkId,
} from './cleanup-plan.js';

/** Options of {@link cleanupNamespaces}. */
export interface CleanupOptions {
  readonly namespacePrefix: string;
  /** Where bridges and uplinks live (undefined = current namespace). */
  readonly hostNamespace: NamespaceName;
  readonly all: boolean;
  readonly dryRun: boolean;
  /** dnsmasq driver state directory: `<dir>/<network id>` is removed with its namespace. */
  readonly stateDirectory: string | undefined;
}

/** What was (or, with `dryRun`, would be) done. */
export interface CleanupResult {
  readonly actions: readonly CleanupAction[];
  readonly lines: readonly string[];
  readonly errors: readonly string[];
}

async function observe(
  options: CleanupOptions,
): Promise<{ namespaces: ObservedNamespace[]; host: ObservedHostDevice[] }> {
  const namespaces: ObservedNamespace[] = [];
  for (const name of await listNamespaces()) {
    if (qdhcpNetworkId(name, options.namespacePrefix) === undefined) continue;
    const links = await readLinks(name).catch(() => new Map());
    namespaces.push({ name, devices: [...links.keys()], pids: await namespacePids(name) });
  }
  const host: ObservedHostDevice[] = [];
  if (options.all) {
    for (const link of (await readLinks(options.hostNamespace)).values()) {
      host.push({ name: link.name, kind: link.kind, master: link.master });
    }
  }
  return { namespaces, host };
}

/**
 * `qdhcp netns-cleanup`: removes what qdhcp created — stale DHCP namespaces, or with `all` every one (after
 * killing the processes inside) plus the host-side bridges and uplink devices. Errors are collected, not
 * thrown, so one stuck namespace does not keep the others.
 */
export async function cleanupNamespaces(options: CleanupOptions): Promise<CleanupResult> {
  const { namespaces, host } = await observe(options);
  const actions = planCleanup(namespaces, host, {
    namespacePrefix: options.namespacePrefix,
    all: options.all,
  });
  const lines = actions.map(describeAction);
  const errors: string[] = [];
  if (options.dryRun) return { actions, lines, errors };
  const devices: string[] = [];
  for (const action of actions) {
    try {
      switch (action.kind) {
        case 'kill-process':
          process.kill(action.pid, 'SIGKILL');
          break;
        case 'delete-namespace':
          await runCommand('ip', ['netns', 'del', action.namespace], { timeoutMs: 10_000 });
          if (options.stateDirectory !== undefined) {
            await rm(join(options.stateDirectory, action.networkId), { recursive: true, force: true });
          }
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
  return { actions, lines, errors };
}
