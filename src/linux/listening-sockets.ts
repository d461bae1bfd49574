/**
 * The one registry through which the agent's listening sockets (DHCP, DNS UDP/TCP, metadata TCP, in every
 * network's namespace) are opened, so that a planned restart can hand them to a successor process
 * (src/agent/handover/, docs/agent.md "Restart and upgrade without a gap"): the running process exports
 * what it holds; the successor adopts those descriptors instead of binding anew, so the kernel's sockets —
 * and the questions queued on them — never go away.
 *
 * One per process (descriptors are the process's), hence a module-level instance.
 *
 * @module
 */
import { closeSync } from 'node:fs';
import { openSocket } from '@qdhcp/netns';
import { describeSocketFd, namespaceInode } from './fd-passing.js';

/** Where and how a listening socket is bound: also its identity across a handover. */
export interface ListeningSocketSpec {
  readonly namespace: string;
  readonly kind: 'udp4' | 'tcp4' | 'udp6' | 'tcp6';
  readonly address: string;
  readonly port: number;
  /** SO_BINDTODEVICE. */
  readonly device?: string;
  readonly broadcast?: boolean;
  readonly freeBind?: boolean;
  /** udp6: the multicast group joined on `device` (IPV6_JOIN_GROUP), e.g. DHCPv6's ff02::1:2. */
  readonly joinGroup?: string;
  /**
   * SO_RCVBUF in bytes (capped by net.core.rmem_max), set when the socket is made; an adopted socket keeps
   * what its first owner set. Not identity.
   */
  readonly receiveBufferBytes?: number;
}

/** A descriptor this process holds for a spec. */
export interface HeldSocket {
  readonly spec: ListeningSocketSpec;
  readonly fd: number;
}

/** How the sockets of this process came to be (the successor's handover figures). */
export interface ListeningSocketCounts {
  readonly opened: number;
  readonly adopted: number;
  /** Inherited descriptors that did not match their spec (closed, the socket opened anew). */
  readonly mismatched: number;
  /** Inherited descriptors still waiting for their network (closed by {@link ListeningSockets.closeUnclaimed}). */
  readonly unclaimed: number;
}

/** Identity of a spec: kind, namespace, address, port, device (options such as broadcast are not identity). */
export function socketKey(spec: ListeningSocketSpec): string {
  return `${spec.kind} ${spec.namespace} ${spec.address}:${spec.port}%${spec.device ?? ''}`;
}

/** Where `ip netns add NAME` puts a namespace; the agent addresses namespaces by name. */
export function namespacePath(name: string): string {
  return `/run/netns/${name}`;
}

/**
 * Whether the descriptor `fd` is the socket `spec` describes: same type, address, port and device, in the
 * namespace now at /run/netns/NAME (an inherited descriptor of a namespace that was deleted and made again
 * would serve the dead one).
 */
export function descriptorMatches(fd: number, spec: ListeningSocketSpec): boolean {
  try {
    const found = describeSocketFd(fd);
    // describeSocket reports addresses and ports of IPv4 sockets only: an IPv6 one matches by the rest.
    const ipv6 = spec.kind === 'udp6' || spec.kind === 'tcp6';
    const stream = spec.kind === 'tcp4' || spec.kind === 'tcp6';
    return (
      found.family === (ipv6 ? 'inet6' : 'inet') &&
      found.type === (stream ? 'stream' : 'dgram') &&
      (ipv6 || (found.address === spec.address && found.port === spec.port)) &&
      (found.device ?? '') === (spec.device ?? '') &&
      found.netnsInode !== undefined &&
      found.netnsInode === namespaceInode(namespacePath(spec.namespace))
    );
  } catch {
    return false;
  }
}

export class ListeningSockets {
  readonly #held = new Map<number, ListeningSocketSpec>();
  readonly #inherited = new Map<string, HeldSocket>();
  #opened = 0;
  #adopted = 0;
  #mismatched = 0;

  /**
   * A bound socket for `spec` (non-blocking, close-on-exec): an inherited descriptor when one is waiting for
   * it, otherwise one made by the addon inside the namespace. The caller hands it to Node and reports its
   * closing with {@link closed}. Throws like `openSocket` (errno name in `code`).
   */
  acquire(spec: ListeningSocketSpec): number {
    const key = socketKey(spec);
    const inherited = this.#inherited.get(key)?.fd;
    if (inherited !== undefined) {
      this.#inherited.delete(key);
      if (descriptorMatches(inherited, spec)) {
        this.#held.set(inherited, spec);
        this.#adopted += 1;
        return inherited;
      }
      this.#mismatched += 1;
      closeSync(inherited);
    }
    const fd = openSocket({
      netnsPath: namespacePath(spec.namespace),
      kind: spec.kind,
      address: spec.address,
      port: spec.port,
      ...(spec.broadcast === undefined ? {} : { broadcast: spec.broadcast }),
      ...(spec.device === undefined ? {} : { bindToDevice: spec.device }),
      freeBind: spec.freeBind ?? false,
      ...(spec.joinGroup === undefined ? {} : { joinGroup: spec.joinGroup }),
      ...(spec.receiveBufferBytes === undefined ? {} : { receiveBufferBytes: spec.receiveBufferBytes }),
    });
    this.#held.set(fd, spec);
    this.#opened += 1;
    return fd;
  }

  /** The owner closed `fd` (its number may be reused from now on): it is no longer exported. */
  closed(fd: number): void {
    this.#held.delete(fd);
  }

  /** Every socket this process holds, to hand over. */
  held(): HeldSocket[] {
    return [...this.#held].map(([fd, spec]) => ({ fd, spec }));
  }

  /** Descriptors received from the previous process: {@link acquire} gives them out by spec. */
  inherit(sockets: readonly HeldSocket[]): void {
    for (const { spec, fd } of sockets) {
      const key = socketKey(spec);
      const previous = this.#inherited.get(key);
      if (previous !== undefined) closeSync(previous.fd);
      this.#inherited.set(key, { spec, fd });
    }
  }

  /** The specs of inherited descriptors nobody has asked for yet. */
  unclaimed(): ListeningSocketSpec[] {
    return [...this.#inherited.values()].map(({ spec }) => spec);
  }

  /**
   * Closes the inherited descriptors nobody asked for that `which` selects (all by default: their network
   * is no longer served; a router's, when the router is removed); returns how many.
   */
  closeUnclaimed(which: (spec: ListeningSocketSpec) => boolean = () => true): number {
    let count = 0;
    for (const [key, { spec, fd }] of this.#inherited) {
      if (!which(spec)) continue;
      closeSync(fd);
      this.#inherited.delete(key);
      count += 1;
    }
    return count;
  }

  counts(): ListeningSocketCounts {
    return {
      opened: this.#opened,
      adopted: this.#adopted,
      mismatched: this.#mismatched,
      unclaimed: this.#inherited.size,
    };
  }
}

/** The process's registry (see the module comment). */
export const listeningSockets = new ListeningSockets();
