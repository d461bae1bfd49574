import type { AgentNetwork, AgentPort } from '../model.js';
import { dhcpPortDeviceId } from '../naming.js';
import { DEFAULT_DHCP_SETTINGS } from '../settings.js';
import { testNetwork, testPort } from '../testing/model-fixtures.js';
import { runDriverStateContract } from './testing/driver-state-contract.js';
import { FakeDriver } from './testing/fake-driver.js';

const NET = 'fa4e0000-0000-4000-8000-000000000001';
const SUBNET = 'fa4e0000-0000-4000-8000-000000000002';
const HOST = 'fake-host';

function port(id: string, ip: string, extra: Partial<AgentPort> = {}): AgentPort {
  return testPort(SUBNET, id, ip, extra);
}

const network: AgentNetwork = testNetwork({ network: NET, subnet: SUBNET }, '10.9.0.0/24', [
  port('p-dhcp-02', '10.9.0.2', { device_owner: 'network:dhcp', device_id: dhcpPortDeviceId(HOST, NET) }),
  port('p-vm-11', '10.9.0.11'),
]);

runDriverStateContract('fake', async () => ({
  driver: new FakeDriver(),
  rules: { dhcpDeviceId: (id) => dhcpPortDeviceId(HOST, id), dhcp: DEFAULT_DHCP_SETTINGS },
  network,
  extraPort: port('p-vm-12', '10.9.0.12'),
  teardown: async () => {},
}));
