/**
 * The metadata proxy's fair shares (issue 17, "Fair metadata"): caps per source address and per network
 * (src/agent/metadata-proxy/connection-slots.ts, docs/metadata.md). One block of the agent's table
 * (`agent-config.ts` spreads it), resolved here.
 *
 * @module
 */
import type { OptionSpec, OptionValues } from '../../common/config-options.js';
import type { SlotLimits } from '../metadata-proxy/connection-slots.js';

export const METADATA_LIMIT_OPTIONS: readonly OptionSpec[] = [
  {
    key: 'metadata_connections_per_source',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '64',
    min: 1,
    help: "metadata connections one instance address may hold on a network; past it the address's oldest idle one is closed",
  },
  {
    key: 'metadata_connections_per_network',
    sections: ['DEFAULT'],
    kind: 'int',
    // Neutron's haproxy: maxconn 1024 per network.
    default: '1024',
    min: 1,
    help: 'metadata connections per network; past it an idle one of the address holding the most is closed',
  },
  {
    key: 'metadata_requests_per_source',
    sections: ['DEFAULT'],
    kind: 'int',
    default: '16',
    min: 1,
    help: 'metadata requests of one instance address answered at once; more wait their turn',
  },
];

/** The resolved values of {@link METADATA_LIMIT_OPTIONS}. */
export interface MetadataLimitsConfig {
  readonly metadataLimits: SlotLimits;
}

export function resolveMetadataLimits({ int }: OptionValues): MetadataLimitsConfig {
  return {
    metadataLimits: {
      connectionsPerSource: int('metadata_connections_per_source'),
      connectionsPerNetwork: int('metadata_connections_per_network'),
      requestsPerSource: int('metadata_requests_per_source'),
    },
  };
}
