import { requireIpv4 } from '../../common/ipv4.js';
import { decodeMessage, encodeMessage } from '../../dhcp/index.js';
import { messageTypeCode } from '../../dhcp/message-type.js';
import { encodeOption } from '../../dhcp/option-values.js';
import type { DhcpMessage, MessageTypeName } from '../../dhcp/types.js';

/** What a test request may set; everything else gets a client's usual value. */
export interface RequestShape {
  readonly type: MessageTypeName;
  readonly mac: string;
  readonly xid?: number;
  readonly ciaddr?: string;
  readonly giaddr?: string;
  readonly broadcast?: boolean;
  readonly requestedIp?: string;
  readonly serverId?: string;
  /** Option 55; default udhcpc's 1,3,6,12,15,28,42 plus 26 and 121. `null` sends none. */
  readonly parameterRequestList?: readonly number[] | null;
  readonly clientId?: Uint8Array;
  readonly maxMessageSize?: number;
  readonly relayAgentInfo?: Uint8Array;
  /** Any other options, e.g. PXE's client-arch (93) or iPXE's 175 and user class (77). */
  readonly extraOptions?: ReadonlyMap<number, Uint8Array>;
}

/** udhcpc's default request list plus `-O mtu -O staticroutes` (bench README §8.1). */
export const UDHCPC_PRL = [1, 3, 6, 12, 15, 28, 42, 26, 121] as const;

/**
 * Builds a client request the way a real client would send it, as bytes through the codec and back, so
 * engine tests see exactly what the server would decode from the wire.
 */
export function buildRequest(shape: RequestShape): DhcpMessage {
  const chaddr = new Uint8Array(16);
  shape.mac.split(':').forEach((octet, i) => {
    chaddr[i] = Number.parseInt(octet, 16);
  });
  const options = new Map<number, Uint8Array>();
  options.set(53, Uint8Array.of(messageTypeCode(shape.type)));
  if (shape.clientId !== undefined) options.set(61, shape.clientId);
  if (shape.requestedIp !== undefined) options.set(50, encodeOption(50, requireIpv4(shape.requestedIp)));
  if (shape.serverId !== undefined) options.set(54, encodeOption(54, requireIpv4(shape.serverId)));
  if (shape.maxMessageSize !== undefined) {
    options.set(57, Uint8Array.of(shape.maxMessageSize >> 8, shape.maxMessageSize & 255));
  }
  if (shape.parameterRequestList !== null)
    options.set(55, Uint8Array.from(shape.parameterRequestList ?? UDHCPC_PRL));
  for (const [code, value] of shape.extraOptions ?? []) options.set(code, value);
  if (shape.relayAgentInfo !== undefined) options.set(82, shape.relayAgentInfo);
  const message: DhcpMessage = {
    op: 'BOOTREQUEST',
    hardwareType: 1,
    hardwareAddressLength: 6,
    hops: shape.giaddr === undefined ? 0 : 1,
    transactionId: shape.xid ?? 0x12345678,
    secondsElapsed: 0,
    flags: shape.broadcast === true ? 0x8000 : 0,
    clientIp: shape.ciaddr === undefined ? 0 : requireIpv4(shape.ciaddr),
    yourIp: 0,
    serverIp: 0,
    gatewayIp: shape.giaddr === undefined ? 0 : requireIpv4(shape.giaddr),
    clientHardwareAddress: chaddr,
    serverName: '',
    bootFileName: '',
    options,
  };
  return decodeMessage(encodeMessage(message));
}
