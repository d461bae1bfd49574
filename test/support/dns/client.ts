import dgram from 'node:dgram';
import net from 'node:net';
import * as dnsPacket from 'dns-packet';

/**
 * A minimal DNS client for tests, on `dns-packet` directly (independent of src/dns): one UDP query, or
 * several queries pipelined on one TCP connection.
 */

/** Builds a query. */
export function buildQuery(
  name: string,
  type: dnsPacket.RecordType,
  id: number,
  options: { edns?: number } = {},
): Buffer {
  const packet: dnsPacket.Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type, class: 'IN' }],
  };
  if (options.edns !== undefined) {
    const opt = { type: 'OPT', name: '.', udpPayloadSize: options.edns, flags: 0, options: [] };
    packet.additionals = [opt as unknown as dnsPacket.Answer];
  }
  return dnsPacket.encode(packet);
}

/** A decoded response, flattened for assertions. */
export interface ResponseView {
  readonly id: number;
  readonly rcode: string;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly ra: boolean;
  readonly answers: readonly {
    readonly name: string;
    readonly type: string;
    readonly ttl: number;
    readonly data: unknown;
  }[];
  readonly authorities: readonly { readonly type: string; readonly ttl: number }[];
}

/** Decodes a response with dns-packet into a {@link ResponseView}. */
export function viewResponse(bytes: Buffer): ResponseView {
  const packet = dnsPacket.decode(bytes) as dnsPacket.DecodedPacket & { rcode: string };
  const records = (list: dnsPacket.Answer[] | undefined) =>
    (list ?? []).map((a) => {
      const record = a as unknown as { name: string; type: string; ttl?: number; data?: unknown };
      return { name: record.name, type: record.type, ttl: record.ttl ?? 0, data: record.data };
    });
  return {
    id: packet.id ?? -1,
    rcode: packet.rcode,
    aa: packet.flag_aa,
    tc: packet.flag_tc,
    ra: packet.flag_ra,
    answers: records(packet.answers),
    authorities: records(packet.authorities),
  };
}

/** Sends `bytes` over UDP and waits for one datagram back (undefined after `timeoutMs`). */
export async function udpExchange(
  host: string,
  port: number,
  bytes: Uint8Array,
  timeoutMs = 2000,
): Promise<Buffer | undefined> {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  try {
    return await new Promise<Buffer | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), timeoutMs);
      socket.once('message', (message) => {
        clearTimeout(timer);
        resolve(message);
      });
      socket.send(bytes, port, host);
    });
  } finally {
    socket.close();
  }
}

/** Sends every query on one TCP connection at once, returns the responses as they arrive (by id). */
export async function tcpExchange(
  host: string,
  port: number,
  queries: readonly Buffer[],
  timeoutMs = 3000,
): Promise<Map<number, ResponseView>> {
  const socket = net.connect({ host, port });
  const responses = new Map<number, ResponseView>();
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`TCP: ${responses.size}/${queries.length} answers in ${timeoutMs} ms`)),
        timeoutMs,
      );
      let pending = Buffer.alloc(0);
      socket.on('error', reject);
      socket.on('connect', () => {
        socket.write(
          Buffer.concat(queries.map((q) => Buffer.concat([Buffer.from([q.length >> 8, q.length & 255]), q]))),
        );
      });
      socket.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
          const length = pending.readUInt16BE(0);
          const message = viewResponse(pending.subarray(2, 2 + length));
          responses.set(message.id, message);
          pending = pending.subarray(2 + length);
        }
        if (responses.size === queries.length) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  } finally {
    socket.destroy();
  }
  return responses;
}
