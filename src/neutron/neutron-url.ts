/**
 * oslo.messaging's `transport_url` (`rabbit://user:pass@host1:port1,user:pass@host2:port2/vhost`) as the
 * amqplib URLs of its hosts, read as oslo does (`oslo_messaging/transport.py` `TransportURL.parse`, the
 * rabbit driver's `_transform_transport_url`): the hosts are the comma-separated parts of the authority, each
 * with its own credentials (split at the last `@`, user and password at the first `:`, percent-decoded),
 * an IPv6 address in brackets, port 5672 when none is given; the one virtual host is the path after `/`
 * (empty: RabbitMQ's default `/`). oslo's query parameters (ssl options, heartbeat settings) are not
 * amqplib's and are dropped.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';

/** What amqplib connects to, and the URL with its password hidden (logs, errors). */
export interface NeutronAddress {
  readonly connectUrl: string;
  readonly display: string;
}

/** The URL's hosts in the order written (the control plane shuffles them, as oslo does). */
export function neutronAddresses(transportUrl: string): NeutronAddress[] {
  const match = /^(rabbit|amqps?):\/\/([^/?#]*)(\/[^?#]*)?(\?[^#]*)?$/.exec(transportUrl);
  if (match === null)
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: `"${redact(transportUrl)}" is not a rabbit:// transport_url`,
    });
  const scheme = match[1] === 'amqps' ? 'amqps' : 'amqp';
  const vhost = decode((match[3] ?? '/').slice(1), transportUrl);
  const hosts = (match[2] ?? '').split(',').filter((host) => host !== '');
  if (hosts.length === 0)
    throw new QdhcpError('BUS_URL_INVALID', { reason: `"${redact(transportUrl)}" names no host` });
  return hosts.map((host) => address(scheme, host, vhost, transportUrl));
}

function address(scheme: string, host: string, vhost: string, transportUrl: string): NeutronAddress {
  const at = host.lastIndexOf('@');
  const credentials = at < 0 ? undefined : host.slice(0, at);
  const hostPort = at < 0 ? host : host.slice(at + 1);
  const colon = credentials?.indexOf(':') ?? -1;
  const user =
    credentials === undefined
      ? ''
      : decode(colon < 0 ? credentials : credentials.slice(0, colon), transportUrl);
  const password =
    colon < 0 || credentials === undefined ? '' : decode(credentials.slice(colon + 1), transportUrl);
  const parts = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(hostPort);
  const port = Number(parts?.[2] ?? '5672');
  if (parts === null || port < 1 || port > 65535)
    throw new QdhcpError('BUS_URL_INVALID', {
      reason: `"${hostPort}" in transport_url is not host[:port]`,
    });
  // No credentials: amqplib's defaults (guest/guest), as kombu's for an empty user.
  const auth = (hidden: boolean) =>
    credentials === undefined
      ? ''
      : `${encodeURIComponent(user)}:${hidden && password !== '' ? '***' : encodeURIComponent(password)}@`;
  const path = `/${encodeURIComponent(vhost === '' ? '/' : vhost)}?heartbeat=10`;
  const url = (hidden: boolean) => `${scheme}://${auth(hidden)}${parts[1]}:${port}${path}`;
  return { connectUrl: url(false), display: url(true) };
}

function decode(text: string, transportUrl: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new QdhcpError('BUS_URL_INVALID', { reason: `"${redact(transportUrl)}" has a bad %-escape` });
  }
}

/** The URL with every password replaced, for error messages. */
function redact(transportUrl: string): string {
  return transportUrl.replace(/([/,][^:/@,]*:)[^@,]*@/g, '$1***@');
}
