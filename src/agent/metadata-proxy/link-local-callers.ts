import { macOfEui64Address, parseIp } from '../../ipam/index.js';
import type { MetadataBackend, ProxiedRequest } from './backends.js';
import type { LocalInstances } from './local-instances.js';

/**
 * Callers on fe80::a9fe:a9fe (issue 15). An instance asking the IPv6 metadata address speaks from its
 * link-local address, which no port's `fixed_ips` holds. Neutron's metadata agent (and OVN's) then takes the
 * MAC out of the address's modified EUI-64 interface identifier and looks the port up by network and MAC
 * (`netutils.get_mac_addr_by_ipv6`); so does this: the port with that MAC in the agent's own snapshot of the
 * listener's networks stands for the caller, by one of its fixed IPs, and the backend identifies that
 * address as it identifies any other (the server's `metadata.get_instance`, or the local ports). A
 * link-local address that is not EUI-64 (privacy or stable-privacy identifiers) names nobody: 404, as in
 * Neutron.
 *
 * @module
 */

/** The MAC of a link-local EUI-64 address (`fe80::f816:3eff:fe00:1` → `fa:16:3e:00:00:01`), else undefined. */
export function linkLocalMac(address: string): string | undefined {
  const text = address.split('%')[0] ?? '';
  if (!/^fe[89ab]/i.test(text)) return undefined;
  const parsed = parseIp(text);
  return parsed.ok && parsed.value.version === 6 ? macOfEui64Address(parsed.value.value) : undefined;
}

/**
 * `backend` with link-local callers replaced by the fixed IP of their port ({@link linkLocalMac} and
 * {@link LocalInstances.addressOfMac}); other callers pass unchanged. Not for `neutron-agent`, which hands
 * the peer to neutron-metadata-agent, itself translating link-local callers.
 */
export function withLinkLocalCallers(
  backend: MetadataBackend,
  instances: Pick<LocalInstances, 'addressOfMac'>,
): MetadataBackend {
  const translated = (request: ProxiedRequest): ProxiedRequest => {
    const mac = linkLocalMac(request.remoteAddress);
    if (mac === undefined) return request;
    const address = instances.addressOfMac(request.networkIds, mac);
    return { ...request, remoteAddress: address ?? request.remoteAddress };
  };
  const atOnce = backend.answerAtOnce?.bind(backend);
  return {
    name: backend.name,
    methods: backend.methods,
    answer: (request) => backend.answer(translated(request)),
    ...(atOnce && { answerAtOnce: (request: ProxiedRequest) => atOnce(translated(request)) }),
  };
}
