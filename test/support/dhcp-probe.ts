import { createSocket } from 'node:dgram';
import { requireIpv4 } from '../../src/common/ipv4.js';
import { decodeMessage, encodeMessage, formatIpv4, optionName } from '../../src/dhcp/index.js';
import { messageTypeCode, messageTypeName } from '../../src/dhcp/message-type.js';
import type { DhcpMessage, MessageTypeName } from '../../src/dhcp/types.js';

/**
 * A tiny scripted DHCP client/relay for e2e tests, run inside a client namespace:
 *   node dhcp-probe.js --run '{"bind":"10.77.0.2","port":67,"to":"10.77.0.1","type":"DISCOVER",...}'
 * It sends one request (relay-style when `giaddr` is set, like perfdhcp) and prints the first reply as
 * one JSON line: message type, yiaddr, siaddr, sname, file, flags and every option as hex. Only with `--run`, so the
 * test runner can load this file harmlessly.
 */
interface ProbeRequest {
  readonly bind: string;
  readonly port: number;
  readonly to: string;
  readonly toPort?: number;
  readonly type: MessageTypeName;
  readonly mac: string;
  readonly giaddr?: string;
  readonly ciaddr?: string;
  readonly requestedIp?: string;
  readonly serverId?: string;
  readonly xid?: number;
  /** Sets the broadcast flag, so a client without its address yet hears the reply (RFC 2131 §4.1). */
  readonly broadcast?: boolean;
  readonly timeoutMs?: number;
  /** Option 55 to send; default a udhcpc-like list. */
  readonly parameterRequestList?: readonly number[];
  /** More options to send, code → value as hex (e.g. PXE's 93 client-arch, iPXE's 175 and 77 user class). */
  readonly extraOptions?: Readonly<Record<string, string>>;
}

function ipBytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function buildMessage(request: ProbeRequest): DhcpMessage {
  const chaddr = new Uint8Array(16);
  request.mac.split(':').forEach((octet, i) => {
    chaddr[i] = Number.parseInt(octet, 16);
  });
  const options = new Map<number, Uint8Array>([[53, Uint8Array.of(messageTypeCode(request.type))]]);
  if (request.requestedIp !== undefined) options.set(50, ipBytes(request.requestedIp));
  if (request.serverId !== undefined) options.set(54, ipBytes(request.serverId));
  options.set(55, Uint8Array.from(request.parameterRequestList ?? [1, 3, 6, 12, 15, 28, 26, 121]));
  for (const [code, hex] of Object.entries(request.extraOptions ?? {})) {
    options.set(Number(code), Uint8Array.from(Buffer.from(hex, 'hex')));
  }
  return {
    op: 'BOOTREQUEST',
    hardwareType: 1,
    hardwareAddressLength: 6,
    hops: request.giaddr === undefined ? 0 : 1,
    transactionId: request.xid ?? 0x5eed,
    secondsElapsed: 0,
    flags: request.broadcast === true ? 0x8000 : 0,
    clientIp: request.ciaddr === undefined ? 0 : requireIpv4(request.ciaddr),
    yourIp: 0,
    serverIp: 0,
    gatewayIp: request.giaddr === undefined ? 0 : requireIpv4(request.giaddr),
    clientHardwareAddress: chaddr,
    serverName: '',
    bootFileName: '',
    options,
  };
}

async function probe(request: ProbeRequest): Promise<void> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((resolve) => socket.bind(request.port, request.bind, resolve));
  socket.setBroadcast(true);
  const timer = setTimeout(() => {
    process.stdout.write(`${JSON.stringify({ timeout: true })}\n`);
    socket.close();
  }, request.timeoutMs ?? 2000);
  const xid = request.xid ?? 0x5eed;
  socket.on('message', (bytes, from) => {
    const reply = decodeMessage(bytes);
    // Another client's broadcast reply on the same segment is not ours.
    if (reply.transactionId !== xid) return;
    const type = reply.options.get(53)?.[0];
    process.stdout.write(
      `${JSON.stringify({
        from: `${from.address}:${from.port}`,
        type: type === undefined ? undefined : messageTypeName(type),
        yourIp: formatIpv4(reply.yourIp),
        serverIp: formatIpv4(reply.serverIp),
        serverName: reply.serverName,
        bootFileName: reply.bootFileName,
        flags: reply.flags,
        options: Object.fromEntries(
          [...reply.options].map(([code, value]) => [
            `${code}:${optionName(code)}`,
            Buffer.from(value).toString('hex'),
          ]),
        ),
      })}\n`,
    );
    clearTimeout(timer);
    socket.close();
  });
  socket.send(encodeMessage(buildMessage(request)), request.toPort ?? 67, request.to, (error) => {
    if (error) {
      process.stderr.write(`send: ${error.message}\n`);
      process.exitCode = 1;
    }
  });
}

const runIndex = process.argv.indexOf('--run');
if (runIndex !== -1) {
  probe(JSON.parse(process.argv[runIndex + 1] ?? '{}') as ProbeRequest).catch((error: unknown) => {
    process.stderr.write(`${String(error)}\n`);
    process.exitCode = 1;
  });
}
