import type { AgentControlPlane } from '../agent/control-plane.js';
import type { NetworkPeer } from '../agent/drivers/driver.js';
import {
  createBuiltinBackend,
  createNovaLocalBackend,
  createNovaProxyBackend,
  type MetadataBackend,
} from '../agent/metadata-proxy/backends.js';
import { createInstanceLookup } from '../agent/metadata-proxy/instance-lookup.js';
import { withLinkLocalCallers } from '../agent/metadata-proxy/link-local-callers.js';
import { LocalInstances } from '../agent/metadata-proxy/local-instances.js';
import { createNeutronAgentBackend } from '../agent/metadata-proxy/neutron-agent-backend.js';
import type { AgentConfig } from '../agent/runtime/agent-config.js';

/**
 * The metadata proxy's backend (`metadata_backend`, docs/metadata.md). The agent's own snapshots
 * (`LocalInstances`, a peer placed before the proxy, which is pushed after it) identify `nova-local`'s
 * callers, and give every backend but `neutron-agent` the port behind a link-local IPv6 caller
 * (link-local-callers.ts; neutron-metadata-agent does that itself).
 */
export function metadataBackendOf(
  config: AgentConfig,
  rpc: AgentControlPlane['rpc'],
  peers: NetworkPeer[],
): MetadataBackend {
  const nova = {
    url: config.novaMetadataUrl,
    sharedSecret: config.metadataProxySharedSecret,
    ...(config.novaTls === undefined ? {} : { tls: config.novaTls }),
  };
  if (config.metadataBackend === 'neutron-agent')
    return createNeutronAgentBackend({ socketPath: config.metadataProxySocket });
  const instances = new LocalInstances();
  peers.push(instances);
  switch (config.metadataBackend) {
    case 'nova-local':
      return withLinkLocalCallers(createNovaLocalBackend(instances, nova), instances);
    case 'nova':
      return withLinkLocalCallers(
        createNovaProxyBackend(createInstanceLookup(rpc, { host: config.host }), nova),
        instances,
      );
    default:
      return withLinkLocalCallers(
        createBuiltinBackend(createInstanceLookup(rpc, { host: config.host }), undefined, (subnetId) =>
          instances.ipv6AddressModeOf(subnetId),
        ),
        instances,
      );
  }
}
