/**
 * File descriptors passed between processes over a unix datagram channel (SCM_RIGHTS, native addon
 * `native/netns/src/fd-passing.c`), sockets described so a received one can be matched to what it serves,
 * and systemd's readiness notification. Used by the agent's socket handover (src/agent/handover/).
 *
 * @module
 */
import { closeSync, statSync, unlinkSync } from 'node:fs';
import {
  describeSocket,
  FD_PASSING_MAX_FDS,
  fdChannelOpen,
  receiveFds,
  type SocketDescription,
  sdNotify,
  sendFds,
} from '@qdhcp/netns';

export type { SocketDescription };

/** Descriptors one message carries at most (the kernel's SCM_MAX_FD). */
export const MAX_FDS_PER_MESSAGE = FD_PASSING_MAX_FDS;

/** A message received on a {@link DescriptorChannel}: its payload and the descriptors now owned here. */
export interface ReceivedDescriptors {
  readonly payload: Buffer;
  readonly fds: readonly number[];
}

/** The receiving end, bound to a path; {@link sendDescriptors} to that path reaches it. */
export interface DescriptorChannel {
  readonly path: string;
  /** The next message, waiting at most `timeoutMs` (blocks the thread: only while nothing else is served). */
  receive(timeoutMs: number): ReceivedDescriptors | undefined;
  /** Closes the channel and removes its path. */
  close(): void;
}

/** Binds a channel at `path` (a leftover file there from a crashed run is removed first). */
export function openDescriptorChannel(path: string): DescriptorChannel {
  try {
    unlinkSync(path);
  } catch {
    // Nothing there: the usual case.
  }
  const fd = fdChannelOpen(path);
  let open = true;
  return {
    path,
    receive: (timeoutMs) => receiveFds(fd, timeoutMs) ?? undefined,
    close() {
      if (!open) return;
      open = false;
      closeSync(fd);
      try {
        unlinkSync(path);
      } catch {
        // Removed already.
      }
    },
  };
}

/**
 * Sends `payload` with duplicates of `fds` (at most {@link MAX_FDS_PER_MESSAGE}) to the channel at `path`;
 * this process keeps its own. Waits at most `timeoutMs` for room in the receiver's queue.
 */
export function sendDescriptors(
  path: string,
  payload: Buffer,
  fds: readonly number[],
  timeoutMs: number,
): void {
  sendFds(path, payload, fds, timeoutMs);
}

/** What the socket `fd` is (family, type, bound address and port, device, namespace inode). */
export function describeSocketFd(fd: number): SocketDescription {
  return describeSocket(fd);
}

/** The inode of the namespace `/run/netns/NAME` is (compare with {@link SocketDescription.netnsInode}). */
export function namespaceInode(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

/** Tells systemd (`$NOTIFY_SOCKET`, Type=notify) `state`; false when not run by systemd. */
export function notifySystemd(state: string): boolean {
  return sdNotify(state);
}
