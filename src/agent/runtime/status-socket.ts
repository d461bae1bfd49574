import { rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { QdhcpError } from '../../common/errors.js';

/** What `qdhcp agent status` prints: the agent and, per network, what is served and since when. */
export interface AgentStatus {
  readonly host: string;
  readonly driver: string;
  readonly startedAt: string;
  readonly networks: ReadonlyArray<{
    readonly networkId: string;
    readonly state: string;
    readonly since: string;
    readonly revision: number;
    readonly ports: number;
    readonly subnets: number;
    readonly detail: string | undefined;
    readonly namespace: string | undefined;
    readonly pid: number | undefined;
    /** The driver's per-network counters (DHCP, DNS, metadata), as on /metrics. */
    readonly counters: Readonly<Record<string, number>>;
  }>;
}

/** The status socket's path in a state directory. */
export function statusSocketPath(stateDir: string): string {
  return join(stateDir, 'agent.sock');
}

/**
 * Serves the status as one JSON document to every connection on a unix socket (mode of the state dir, so
 * only who may read the agent's state may ask). A socket file left by a killed agent is replaced.
 */
export async function serveStatus(
  path: string,
  status: () => AgentStatus,
): Promise<{ close(): Promise<void> }> {
  await rm(path, { force: true });
  const server: Server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${JSON.stringify(status())}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => server.close(() => resolve())).then(() =>
        rm(path, { force: true }),
      );
      return closing;
    },
  };
}

/** Reads the status from a running agent's socket (≤ `timeoutMs`). */
export function readStatus(path: string, timeoutMs = 5000): Promise<AgentStatus> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = createConnection(path);
    const timer = setTimeout(
      () => socket.destroy(new QdhcpError('STATUS_SOCKET_TIMEOUT', { path, timeout_ms: timeoutMs })),
      timeoutMs,
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('end', () => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as AgentStatus);
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** Human-readable table of a status. */
export function formatStatus(status: AgentStatus, now = Date.now()): string {
  const lines = [`agent ${status.host} (driver ${status.driver}), up since ${status.startedAt}`];
  if (status.networks.length === 0) lines.push('no networks');
  for (const network of status.networks) {
    const age = Math.round((now - Date.parse(network.since)) / 1000);
    lines.push(
      `${network.networkId}  ${network.state.padEnd(7)} since ${network.since} (${age}s)  rev ${network.revision}  ` +
        `${network.subnets} subnet(s) ${network.ports} port(s)` +
        (network.namespace ? `  ns ${network.namespace}` : '') +
        (network.pid !== undefined ? `  pid ${network.pid}` : '') +
        (network.detail ? `  (${network.detail})` : ''),
    );
  }
  return `${lines.join('\n')}\n`;
}
