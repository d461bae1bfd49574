import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIni } from '../../common/config-ini.js';
import { resolveNeutronAgentConfig } from './neutron-agent-config.js';

const NEUTRON_CONF = `[DEFAULT]
core_plugin = ml2
transport_url = rabbit://guest:guest@127.0.0.1:5672/neutron
host = net1
dhcp_domain = cloud.example
rpc_response_timeout = 30
state_path = /var/lib/neutron
[agent]
report_interval = 7
root_helper = sudo neutron-rootwrap /etc/neutron/rootwrap.conf
[database]
connection = mysql+pymysql://neutron:x@db/neutron
`;
const DHCP_AGENT_INI = `[DEFAULT]
interface_driver = linuxbridge
dhcp_driver = neutron.agent.linux.dhcp.Dnsmasq
enable_isolated_metadata = True
num_sync_threads = 4
resync_interval = 5
dnsmasq_dns_servers = 192.0.2.53
`;

describe("qdhcp agent --config-file: Neutron's files", () => {
  it("reads Neutron's names, ignores the rest, warns about dhcp_driver", () => {
    const { config, ignored, warnings } = resolveNeutronAgentConfig(
      [parseIni(NEUTRON_CONF, 'neutron.conf'), parseIni(DHCP_AGENT_INI, 'dhcp_agent.ini')],
      {},
    );
    assert.equal(config.rpc, 'neutron');
    assert.equal(config.host, 'net1');
    assert.equal(config.transportUrl, 'rabbit://guest:guest@127.0.0.1:5672/neutron');
    assert.equal(config.dnsDomain, 'cloud.example');
    assert.equal(config.rpcResponseTimeoutSeconds, 30);
    assert.equal(config.reportIntervalSeconds, 7);
    assert.equal(config.enableIsolatedMetadata, true);
    assert.equal(config.syncParallelism, 4);
    assert.equal(config.retryDelaySeconds, 5, "Neutron's resync_interval is the retry delay");
    assert.equal(config.resyncIntervalSeconds, 60, 'the periodic resync keeps its default');
    assert.deepEqual(config.dnsServers, ['192.0.2.53']);
    assert.equal(config.stateDir, '/var/lib/neutron/qdhcp');
    assert.equal(config.driver, 'builtin');
    assert.deepEqual(ignored, ['[DEFAULT] core_plugin', '[agent] root_helper', '[database] connection']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /dhcp_driver = neutron\.agent\.linux\.dhcp\.Dnsmasq/);
  });

  const cases: ReadonlyArray<{
    name: string;
    ini: string;
    check: (c: ReturnType<typeof resolveNeutronAgentConfig>) => void;
  }> = [
    {
      name: 'enable_isolated_metadata defaults to off, as in Neutron',
      ini: 'transport_url = rabbit://a:b@h/',
      check: ({ config }) => assert.equal(config.enableIsolatedMetadata, false),
    },
    {
      name: 'qdhcp_driver chooses the driver; qdhcp_resync_interval the periodic resync',
      ini: 'transport_url = rabbit://a:b@h/\nqdhcp_driver = dnsmasq\nqdhcp_resync_interval = 120',
      check: ({ config }) => {
        assert.equal(config.driver, 'dnsmasq');
        assert.equal(config.resyncIntervalSeconds, 120);
      },
    },
    {
      name: "several RabbitMQ hosts: oslo's failover list, kept for the transport",
      ini: 'transport_url = rabbit://a:b@h1:5672,a:b@h2:5672/vh',
      check: ({ config }) => assert.equal(config.transportUrl, 'rabbit://a:b@h1:5672,a:b@h2:5672/vh'),
    },
    {
      name: 'dns_domain wins over dhcp_domain',
      ini: 'transport_url = rabbit://a:b@h/\ndhcp_domain = old.example\ndns_domain = new.example',
      check: ({ config }) => assert.equal(config.dnsDomain, 'new.example'),
    },
  ];
  for (const { name, ini, check } of cases)
    it(name, () => check(resolveNeutronAgentConfig([parseIni(ini)], {})));

  const refused: ReadonlyArray<readonly [string, RegExp]> = [
    ['transport_url = rabbit://a:b@h/\ninterface_driver = openvswitch', /linuxbridge interface driver only/],
    ['transport_url = amqp:///vhost', /needs rabbit:\/\/user:pass@host:port/],
    ['transport_url = rabbit://a:b@h/\nresync_interval = soon', /not a positive integer/],
    ['transport_url = rabbit://a:b@h/\nnum_sync_threads = lots', /not an integer/],
  ];
  for (const [ini, message] of refused) {
    it(`refused: ${ini.split('\n').at(-1)}`, () =>
      assert.throws(() => resolveNeutronAgentConfig([parseIni(ini)], {}), {
        code: 'CONFIG_INVALID',
        message,
      }));
  }
});
