import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIpv4 } from '../dhcp/index.js';
import { readOption } from '../dhcp/option-values.js';
import { ip } from '../dhcp/testing/values.js';
import { bootFields } from './boot-fields.js';
import { type ClientMatch, matchedTags, NEUTRON_CLIENT_MATCHES } from './client-match.js';
import { buildServedSubnets, parseDhcpRange } from './dnsmasq/dhcp-range.js';
import { parseHostsFile } from './dnsmasq/hosts-file.js';
import { parseOptionLine, parseOptsFile } from './dnsmasq/option-line.js';
import { handleRequest } from './engine.js';
import { HostTable } from './host-table.js';
import { renewalTimes } from './lease-time.js';
import type { OptionSetting } from './option-setting.js';
import { buildRequest, type RequestShape } from './testing/requests.js';
import type { EngineConfig, ServerTables } from './types.js';

/**
 * Network boot as Ironic configures it through Neutron (ironic/common/pxe_utils.py
 * `dhcp_options_for_instance`, IPv4 with iPXE): per-port lines `tag:!ipxe,67` (the chain loader for a PXE
 * ROM), `tag:ipxe,67` (the iPXE script for iPXE), `66` and `150` (TFTP server) and `255`
 * (`server-ip-address`, siaddr). The expected answers are what dnsmasq 2.90 sent for the same files and
 * requests (observed with test/support/dhcp-probe.ts; test/e2e/driver-boot-options.test.ts compares the two
 * drivers live).
 */
const PORT = 'port-ironic';
const HOSTS = `fa:16:3e:00:00:05,host-10-77-1-5.openstacklocal,10.77.1.5,set:${PORT}
fa:16:3e:00:00:06,host-10-77-1-6.openstacklocal,10.77.1.6
`;
const OPTS = [
  `tag:${PORT},tag:!ipxe,67,undionly.kpxe`,
  `tag:${PORT},tag:ipxe,67,http://192.0.2.1:8080/boot.ipxe`,
  `tag:${PORT},66,192.0.2.1`,
  `tag:${PORT},150,192.0.2.1`,
  `tag:${PORT},255,192.0.2.1`,
].join('\n');

function range(text: string) {
  const result = parseDhcpRange(text);
  return result.kind === 'range' ? result.range : assert.fail(text);
}

function engine(matches: readonly ClientMatch[], forced: readonly string[] = []) {
  const config: EngineConfig = {
    interfaceName: 'ns-boot',
    subnets: buildServedSubnets(
      [range('set:subnet-1,10.77.0.0,static,255.255.0.0,600s')],
      [{ address: ip('10.77.0.1'), prefixLength: 16 }],
    ),
    domain: 'openstacklocal',
    dnsEnabled: false,
    clientMatches: matches,
  };
  const force = forced.map((text) => {
    const parsed = parseOptionLine(text, true, '--dhcp-option-force');
    return parsed.kind === 'option' ? parsed.setting : assert.fail(text);
  });
  const opts = parseOptsFile(OPTS);
  assert.deepEqual(opts.errors, []);
  const tables: ServerTables = {
    hosts: HostTable.build(parseHostsFile(HOSTS).entries),
    options: [...force, ...opts.settings] as OptionSetting[],
  };
  return (shape: RequestShape) => {
    const decision = handleRequest(buildRequest(shape), config, tables);
    return decision.kind === 'reply' ? decision.reply : assert.fail(`${decision.reason}: ${decision.detail}`);
  };
}

const latin1 = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));
const IPXE_SCRIPT = 'http://192.0.2.1:8080/boot.ipxe';
/** iPXE's own DHCP request: option 175 (its feature list) and user class `iPXE`. */
const IPXE = new Map([
  [175, Uint8Array.of(0x01, 0x01, 0x01)],
  [77, latin1('iPXE')],
]);
/** A PXE ROM: client architecture 0 (x86 BIOS) and vendor class `PXEClient:…`, no 175. */
const PXE = new Map([
  [93, Uint8Array.of(0, 0)],
  [60, latin1('PXEClient:Arch:00000:UNDI:002001')],
]);

describe('network boot: Ironic’s extra_dhcp_opts give the answers dnsmasq gives', () => {
  const cases: {
    name: string;
    shape: Partial<RequestShape>;
    file: string;
    sname: string;
    options: Record<number, string | undefined>;
  }[] = [
    {
      name: 'PXE ROM asking for 66 and 67 → the chain loader as options, NUL-terminated',
      shape: { extraOptions: PXE, parameterRequestList: [1, 3, 66, 67] },
      file: '',
      sname: '',
      options: { 66: '192.0.2.1\0', 67: 'undionly.kpxe\0', 150: undefined },
    },
    {
      name: 'PXE ROM not asking for them → the chain loader in file, the TFTP server in sname',
      shape: { extraOptions: PXE, parameterRequestList: [1, 3] },
      file: 'undionly.kpxe',
      sname: '192.0.2.1',
      options: { 66: undefined, 67: undefined },
    },
    {
      name: 'PXE ROM asking for 67 only → 67 as an option, 66 in sname',
      shape: { extraOptions: PXE, parameterRequestList: [1, 3, 67] },
      file: '',
      sname: '192.0.2.1',
      options: { 66: undefined, 67: 'undionly.kpxe\0' },
    },
    {
      name: 'iPXE (175 + user class iPXE) → the iPXE script URL',
      shape: { extraOptions: IPXE, parameterRequestList: [1, 3, 66, 67] },
      file: '',
      sname: '',
      options: { 66: '192.0.2.1\0', 67: `${IPXE_SCRIPT}\0` },
    },
    {
      name: 'iPXE not asking → the script URL in file',
      shape: { extraOptions: new Map([[175, Uint8Array.of(1, 1, 1)]]), parameterRequestList: [1, 3] },
      file: IPXE_SCRIPT,
      sname: '192.0.2.1',
      options: { 67: undefined },
    },
    {
      name: 'an empty option 175 sets no tag (dnsmasq wants at least one byte)',
      shape: { extraOptions: new Map([[175, new Uint8Array(0)]]), parameterRequestList: [67] },
      file: '',
      sname: '192.0.2.1',
      options: { 67: 'undionly.kpxe\0' },
    },
    {
      name: 'no request list → both in the header, nothing as options',
      shape: { extraOptions: PXE, parameterRequestList: null },
      file: 'undionly.kpxe',
      sname: '192.0.2.1',
      options: { 66: undefined, 67: undefined, 150: '\xc0\x00\x02\x01' },
    },
    {
      name: 'REQUEST → ACK carries the same boot answer',
      shape: { type: 'REQUEST', serverId: '10.77.0.1', requestedIp: '10.77.1.5', extraOptions: IPXE },
      file: IPXE_SCRIPT,
      sname: '192.0.2.1',
      options: {},
    },
  ];
  const answer = engine(NEUTRON_CLIENT_MATCHES);
  for (const testCase of cases) {
    it(testCase.name, () => {
      const reply = answer({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', ...testCase.shape });
      assert.equal(reply.bootFileName, testCase.file);
      assert.equal(reply.serverName, testCase.sname);
      assert.equal(formatIpv4(reply.serverIp), '192.0.2.1', 'siaddr from server-ip-address (255)');
      assert.equal(reply.options.has(255), false, '255 is never an option');
      for (const [code, expected] of Object.entries(testCase.options)) {
        const value = reply.options.get(Number(code));
        assert.equal(value === undefined ? undefined : Buffer.from(value).toString('latin1'), expected, code);
      }
    });
  }

  it('a port without boot options keeps siaddr = the server and empty sname/file', () => {
    const reply = answer({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:06', extraOptions: PXE });
    assert.equal(formatIpv4(reply.serverIp), '10.77.0.1');
    assert.equal(reply.serverName, '');
    assert.equal(reply.bootFileName, '');
  });

  it('without the matches (a dnsmasq without --dhcp-match) iPXE gets the chain loader again', () => {
    const reply = engine([])({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', extraOptions: IPXE });
    assert.equal(reply.bootFileName, 'undionly.kpxe');
  });

  it('a forced bootfile-name is sent as an option and never moved to file', () => {
    const reply = engine(NEUTRON_CLIENT_MATCHES, ['option:bootfile-name,forced.efi'])({
      type: 'DISCOVER',
      mac: 'fa:16:3e:00:00:06',
      parameterRequestList: [1, 3],
    });
    assert.equal(reply.bootFileName, '');
    assert.equal(Buffer.from(reply.options.get(67) ?? []).toString('latin1'), 'forced.efi\0');
  });
});

describe('request matches (--dhcp-match, --dhcp-userclass)', () => {
  const request = (options: [number, Uint8Array][]) =>
    buildRequest({ type: 'DISCOVER', mac: 'fa:16:3e:00:00:05', extraOptions: new Map(options) });
  const table: [string, [number, Uint8Array][], string[]][] = [
    ['nothing', [], []],
    ['175 → ipxe', [[175, Uint8Array.of(1)]], ['ipxe']],
    ['user class iPXE → ipxe6', [[77, latin1('iPXE')]], ['ipxe6']],
    [
      'both',
      [
        [175, Uint8Array.of(1)],
        [77, latin1('iPXE')],
      ],
      ['ipxe', 'ipxe6'],
    ],
    ['substring of the user class', [[77, latin1('my-iPXE-build')]], ['ipxe6']],
    ['RFC 3004 counted strings', [[77, Uint8Array.of(3, 0x61, 0x62, 0x63, 4, ...latin1('iPXE'))]], ['ipxe6']],
    ['case matters', [[77, latin1('ipxe')]], []],
    ['an empty 175 does not match', [[175, new Uint8Array(0)]], []],
    ['client-arch alone sets nothing (Neutron matches no option 93)', [[93, Uint8Array.of(0, 7)]], []],
  ];
  for (const [name, options, tags] of table) {
    it(name, () => assert.deepEqual(matchedTags(request(options), NEUTRON_CLIENT_MATCHES), tags));
  }
});

describe('boot fields', () => {
  const setting = (code: number, text: string, force = false): OptionSetting => ({
    requiredTags: [],
    excludedTags: [],
    code,
    value: latin1(text),
    force,
    source: 'test',
  });
  it('file and sname keep at most 127 and 63 bytes, as dnsmasq copies them', () => {
    const fields = bootFields(
      new Map([
        [67, setting(67, 'f'.repeat(200))],
        [66, setting(66, 's'.repeat(100))],
      ]),
      undefined,
    );
    assert.equal(fields.bootFileName.length, 127);
    assert.equal(fields.serverName.length, 63);
    assert.deepEqual([...fields.inHeader].sort(), [66, 67]);
  });
  it('server-ip-address takes the first address; no boot options change nothing', () => {
    const addresses = Uint8Array.of(192, 0, 2, 7, 192, 0, 2, 8);
    const withAddress = bootFields(
      new Map([[255, { ...setting(255, ''), value: addresses }]]),
      Uint8Array.of(1),
    );
    assert.equal(withAddress.nextServer, ip('192.0.2.7'));
    const none = bootFields(new Map(), Uint8Array.of(67));
    assert.deepEqual(none, { nextServer: undefined, serverName: '', bootFileName: '', inHeader: new Set() });
  });
});

describe('T1/T2 (dnsmasq rfc2131.c do_options)', () => {
  const table: [string, number, number | undefined, number | undefined, [number, number]][] = [
    ['defaults: ½ and ⅞', 600, undefined, undefined, [300, 525]],
    ['configured', 600, 100, 200, [100, 200]],
    ['T1 only', 600, 100, undefined, [100, 525]],
    ['a value not below the lease is ignored', 600, 600, 700, [300, 525]],
    ['values of 2 s or less are ignored', 600, 2, 1, [300, 525]],
    ['T1 ≥ T2 lowers T1 below T2', 600, 550, 400, [399, 400]],
    ['T2 only, below the default T1', 600, undefined, 200, [199, 200]],
  ];
  for (const [name, lease, t1, t2, [expectedT1, expectedT2]] of table) {
    it(name, () => assert.deepEqual(renewalTimes(lease, t1, t2), { t1: expectedT1, t2: expectedT2 }));
  }

  it('forced option:T1 / option:T2 reach the OFFER', () => {
    const reply = engine(NEUTRON_CLIENT_MATCHES, ['option:T1,100s', 'option:T2,200s'])({
      type: 'DISCOVER',
      mac: 'fa:16:3e:00:00:06',
      parameterRequestList: [1],
    });
    assert.deepEqual(readOption(reply.options, 58), { status: 'ok', value: 100 });
    assert.deepEqual(readOption(reply.options, 59), { status: 'ok', value: 200 });
  });
});
