import { formatIpv4 } from '../common/ipv4.js';
import type { DhcpMessage, MessageTypeName } from '../dhcp/types.js';
import { replyDestination } from './reply-destination.js';
import { macText, readClientId, readMaxMessageSize, readMessageType } from './request-fields.js';
import { configuredOptions } from './stages/configured-options.js';
import { leaseOptions } from './stages/lease-options.js';
import { lookupHost } from './stages/lookup-host.js';
import { releaseAndDecline } from './stages/release-decline.js';
import { chooseReplyType } from './stages/reply-type.js';
import { selectSubnets } from './stages/select-subnets.js';
import { formatRequestedOptions, formatSentOption } from './trace.js';
import type { Decision, DropReason, EngineConfig, Exchange, ServerTables, Stage } from './types.js';

/**
 * The pipeline, in order. Each stage reads and fills the exchange and may stop it with a drop; the
 * reply is assembled from what they leave (see docs/dhcp-engine.md for what each one does).
 */
export const PIPELINE: readonly Stage[] = [
  selectSubnets,
  lookupHost,
  releaseAndDecline,
  chooseReplyType,
  leaseOptions,
  configuredOptions,
];

const CLIENT_MESSAGE_TYPES = new Set<MessageTypeName>([
  'DISCOVER',
  'REQUEST',
  'DECLINE',
  'RELEASE',
  'INFORM',
]);

/** Options for {@link handleRequest}. */
export interface HandleOptions {
  /** Collect a `--log-dhcp` style trace in the decision (costs a few µs; off on the hot path). */
  readonly trace?: boolean;
}

function dropDecision(
  requestType: MessageTypeName | undefined,
  reason: DropReason,
  detail: string,
  mac: string,
  exchange: Exchange | undefined,
): Decision {
  return { kind: 'drop', requestType, reason, detail, host: exchange?.host, mac, trace: exchange?.trace };
}

/**
 * Decides what to do with one decoded request: a reply (with its destination, RFC 2131 §4.1) or a drop
 * with a reason. Pure: no sockets, clock or logging; the same input always gives the same decision.
 *
 * @example
 * const decision = handleRequest(decodeMessage(bytes), config, tables);
 * if (decision.kind === 'reply') send(encodeMessage(decision.reply), decision.destination);
 */
export function handleRequest(
  request: DhcpMessage,
  config: EngineConfig,
  tables: ServerTables,
  options: HandleOptions = {},
): Decision {
  const mac = macText(request);
  if (request.op !== 'BOOTREQUEST')
    return dropDecision(undefined, 'not-a-request', 'op is BOOTREPLY', mac, undefined);
  const requestType = readMessageType(request);
  if (requestType === undefined) {
    return dropDecision(
      undefined,
      'no-message-type',
      'no DHCP message type (BOOTP is not served)',
      mac,
      undefined,
    );
  }
  if (!CLIENT_MESSAGE_TYPES.has(requestType)) {
    return dropDecision(
      requestType,
      'unsupported-message-type',
      `${requestType} from a client`,
      mac,
      undefined,
    );
  }
  const trace: string[] | undefined = options.trace === true ? [] : undefined;
  const exchange: Exchange = {
    request,
    requestType,
    mac,
    clientId: readClientId(request),
    config,
    tables,
    candidateSubnets: [],
    host: undefined,
    subnet: undefined,
    replyType: undefined,
    nakMessage: undefined,
    refusedAddress: undefined,
    replyOptions: new Map(),
    bootFields: undefined,
    trace,
  };
  trace?.push(
    `DHCP${requestType}(${config.interfaceName}) ${request.clientIp === 0 ? '' : `${formatIpv4(request.clientIp)} `}${mac}`,
  );
  for (const stage of PIPELINE) {
    const outcome = stage.run(exchange);
    if (outcome.kind === 'drop') {
      trace?.push(`${stage.name}: ${outcome.reason}: ${outcome.detail}`);
      return dropDecision(requestType, outcome.reason, outcome.detail, mac, exchange);
    }
  }
  return buildReply(exchange);
}

/** Assembles the BOOTREPLY (RFC 2131 §4.3.1 table 3) and picks its destination. */
function buildReply(exchange: Exchange): Decision {
  const { request, subnet, host } = exchange;
  const replyType = exchange.replyType ?? 'NAK';
  const isNak = replyType === 'NAK';
  const leaseReply = !isNak && exchange.requestType !== 'INFORM' && host !== undefined;
  const yourIp = leaseReply ? host.ip : 0;
  const boot = isNak ? undefined : exchange.bootFields;
  const serverIp = !isNak && subnet !== undefined ? (boot?.nextServer ?? subnet.serverAddress) : 0;
  // RFC 2131 §4.3.2: a NAK through a relay has the broadcast bit set, so the relay broadcasts it.
  const flags = isNak && request.gatewayIp !== 0 ? request.flags | 0x8000 : request.flags;
  const reply: DhcpMessage = {
    op: 'BOOTREPLY',
    hardwareType: request.hardwareType,
    hardwareAddressLength: request.hardwareAddressLength,
    hops: 0,
    transactionId: request.transactionId,
    secondsElapsed: 0,
    flags,
    clientIp: isNak ? 0 : request.clientIp,
    yourIp,
    serverIp,
    gatewayIp: request.gatewayIp,
    clientHardwareAddress: request.clientHardwareAddress,
    serverName: boot?.serverName ?? '',
    bootFileName: boot?.bootFileName ?? '',
    options: exchange.replyOptions,
  };
  const trace = exchange.trace;
  if (trace !== undefined) {
    trace.push(
      `DHCP${replyType}(${exchange.config.interfaceName}) ${yourIp === 0 ? '' : `${formatIpv4(yourIp)} `}${exchange.mac}${host?.name === undefined ? '' : ` ${host.name}`}`,
    );
    const requested = request.options.get(55);
    if (requested !== undefined) trace.push(...formatRequestedOptions(requested));
    if (reply.serverName !== '') trace.push(`server name: ${reply.serverName}`);
    if (reply.bootFileName !== '') trace.push(`boot file: ${reply.bootFileName}`);
    if (serverIp !== 0) trace.push(`next server: ${formatIpv4(serverIp)}`);
    for (const [code, value] of exchange.replyOptions) trace.push(formatSentOption(code, value));
  }
  return {
    kind: 'reply',
    requestType: exchange.requestType,
    replyType,
    reply,
    destination: replyDestination(request, replyType, yourIp, exchange.mac),
    maxMessageSize: readMaxMessageSize(request),
    host,
    mac: exchange.mac,
    address: isNak ? (exchange.refusedAddress ?? 0) : yourIp === 0 ? request.clientIp : yourIp,
    trace,
  };
}
