/**
 * Metadata for subnets behind a router (issue 13), as Neutron's L3 agent serves it: the instance sends to
 * 169.254.169.254:80 through its default gateway, the router namespace redirects that to a local port
 * (the data plane's nftables rule on `qr-` interfaces, `redirect to :9697`), and a listener there answers.
 * Here the listener is a socket of the agent process inside the `qrouter-` namespace, opened through the
 * listening-socket registry (src/linux/listening-sockets.ts, so a planned restart hands it over like the DHCP
 * namespaces' ones) and served by the same {@link MetadataProxy}: no process per router. The caller is
 * identified by (the router's networks, source address) — the DHCP namespace's proxy by (its network,
 * source address): one lookup over a scope, caller-scope.ts.
 *
 * The router reconciler (L3 role) opens one per router when the router has interfaces, updates it when
 * they change and closes it before it deletes the namespace. After a planned restart the successor received
 * the running agent's listeners (src/agent/handover/): opening a router's listener adopts the received
 * socket, and until every received one is adopted or let go ({@link RouterMetadata.releaseHandedOver}: the
 * router is gone or has nothing to listen for) the successor does not tell the running agent to stop
 * (src/main/agent-handover.ts), so a metadata request through a router is never refused meanwhile.
 *
 * @module
 */
import {
  type ListeningSocketSpec,
  type ListeningSockets,
  listeningSockets,
} from '../../linux/listening-sockets.js';
import { listenRawTcpInNamespace } from '../../linux/tcp-accept-socket.js';
import type { ListenerFactory, MetadataProxy } from './proxy-server.js';

/** Where the router namespace's redirect sends metadata requests (Neutron's `METADATA_PORT` of the L3 agent). */
export const ROUTER_METADATA_PORT = 9697;

/**
 * A listener on `0.0.0.0:port` inside a router namespace: a `redirect` rewrites the destination to the
 * primary address of the interface the packet came in on (the `qr-` gateway address of that subnet), so
 * one wildcard socket serves every interface of the router (Neutron's haproxy binds the same).
 */
export function routerListener(port: number): ListenerFactory {
  return async (namespace) => listenRawTcpInNamespace({ namespace, address: '0.0.0.0', port, backlog: 1024 });
}

/** The metadata listener of one router namespace. */
export interface RouterMetadataHandle {
  readonly namespace: string;
  /** The router's interfaces changed: callers are looked up in these networks from the next request on. */
  update(networkIds: readonly string[]): void;
  /** Stops listening and drops open connections (before the namespace is deleted). */
  close(): Promise<void>;
  /** `metadata.<status>` counters of this listener. */
  counters(): Record<string, number>;
}

/** Options of {@link RouterMetadata}. */
export interface RouterMetadataOptions {
  /** Default {@link ROUTER_METADATA_PORT}; the data plane's redirect must name the same port. */
  readonly port?: number;
  /** How a listener is opened (tests); default {@link routerListener} on `port`. */
  readonly listen?: ListenerFactory;
  /** Where sockets received in a handover wait (tests); default the process's registry. */
  readonly sockets?: ListeningSockets;
}

const ROUTER_NAMESPACE = /qrouter-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** Key of a router namespace's listener in the proxy (network ids, the DHCP listeners' keys, are UUIDs). */
function listenerKey(namespace: string): string {
  return `router-namespace:${namespace}`;
}

/** Opens the metadata listeners of router namespaces on the agent's one metadata proxy. */
export class RouterMetadata {
  private readonly listen: ListenerFactory;
  private readonly port: number;
  private readonly sockets: ListeningSockets;

  constructor(
    private readonly proxy: MetadataProxy,
    options: RouterMetadataOptions = {},
  ) {
    this.port = options.port ?? ROUTER_METADATA_PORT;
    this.listen = options.listen ?? routerListener(this.port);
    this.sockets = options.sockets ?? listeningSockets;
  }

  /** Whether `spec` is a router namespace's metadata listener of this port. */
  private isRouterListener(spec: ListeningSocketSpec): boolean {
    return spec.kind === 'tcp4' && spec.port === this.port && ROUTER_NAMESPACE.test(spec.namespace);
  }

  /** Router namespaces whose listener was received in a handover and is neither adopted nor let go yet. */
  handedOverWaiting(): string[] {
    return this.sockets
      .unclaimed()
      .filter((spec) => this.isRouterListener(spec))
      .map((spec) => spec.namespace)
      .sort();
  }

  /**
   * Closes the listener of `namespace` received in a handover, if nobody adopted it: the router was removed
   * or has nothing to listen for (no interfaces, admin down). No-op otherwise.
   */
  releaseHandedOver(namespace: string): void {
    this.sockets.closeUnclaimed((spec) => spec.namespace === namespace && this.isRouterListener(spec));
  }

  /**
   * Listens in `namespace` (which must exist) for the callers of `networkIds`. `routerId` goes to
   * neutron-metadata-agent as `X-Neutron-Router-ID` (metadata_backend = neutron-agent); by default it is
   * read from a `…qrouter-<uuid>` namespace name. Opening the same namespace again replaces the networks.
   * Rejects (errno in the error) when the port cannot be bound.
   */
  async openRouterMetadata(
    namespace: string,
    networkIds: readonly string[],
    options: { readonly routerId?: string } = {},
  ): Promise<RouterMetadataHandle> {
    const key = listenerKey(namespace);
    const routerId = options.routerId ?? ROUTER_NAMESPACE.exec(namespace)?.[1];
    const scopeOf = (ids: readonly string[]) => ({ networkIds: [...ids], routerId });
    await this.proxy.openListener(key, namespace, scopeOf(networkIds), this.listen);
    return {
      namespace,
      update: (ids) => {
        this.proxy.updateScope(key, scopeOf(ids));
      },
      close: () => this.proxy.close(key),
      counters: () => this.proxy.counters(key),
    };
  }
}
