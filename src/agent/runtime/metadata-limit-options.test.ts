import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseIni } from '../../common/config-ini.js';
import { DEFAULT_PROXY_LIMITS } from '../metadata-proxy/proxy-server.js';
import { resolveAgentConfig } from './agent-config.js';

test("metadata fair shares: defaults are the proxy's, the file and flags set them, 0 is refused", () => {
  const defaults = resolveAgentConfig(undefined, {}).metadataLimits;
  assert.deepEqual(defaults, {
    connectionsPerSource: DEFAULT_PROXY_LIMITS.connectionsPerSource,
    connectionsPerNetwork: DEFAULT_PROXY_LIMITS.connectionsPerNetwork,
    requestsPerSource: DEFAULT_PROXY_LIMITS.requestsPerSource,
  });
  const ini = parseIni('[DEFAULT]\nmetadata_connections_per_source = 8\nmetadata_requests_per_source = 4\n');
  assert.deepEqual(resolveAgentConfig(ini, { metadata_connections_per_network: '100' }).metadataLimits, {
    connectionsPerSource: 8,
    connectionsPerNetwork: 100,
    requestsPerSource: 4,
  });
  assert.throws(
    () => resolveAgentConfig(undefined, { metadata_requests_per_source: '0' }),
    /below the minimum 1/,
  );
});
