import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isQdhcpError } from '../common/errors.js';
import {
  bridgeName,
  dhcpNamespaceName,
  dhcpPortDeviceId,
  namespaceDeviceName,
  tapName,
  UUID_NAMESPACE_DNS,
  uuidV5,
  vlanDeviceName,
  vxlanDeviceName,
} from './naming.js';

test('names follow Neutron (observed doc §1); only namespaces take the prefix', () => {
  const net = '4b7dfef7-36f4-4346-82b8-f3c10e9b0149';
  const port = '9f034b55-6c11-4c55-8f3a-3b1e0b6a8a11';
  assert.equal(dhcpNamespaceName(net), `qdhcp-${net}`);
  assert.equal(dhcpNamespaceName(net, 'test1-'), `test1-qdhcp-${net}`);
  assert.equal(bridgeName(net), 'brq4b7dfef7-36');
  assert.equal(tapName(port), 'tap9f034b55-6c');
  assert.equal(namespaceDeviceName(port), 'ns-9f034b55-6c');
  assert.equal(vxlanDeviceName(16777215), 'vxlan-16777215');
  assert.equal(vlanDeviceName('eth1', 42), 'eth1.42');
  assert.throws(
    () => vlanDeviceName('enp0s31f6abc', 4094),
    (error: unknown) => isQdhcpError(error, 'DEVICE_NAME_TOO_LONG'),
  );
});

test('UUIDv5 matches RFC 4122 (python uuid5 of www.example.com); device id uses the short host name', () => {
  assert.equal(uuidV5('www.example.com', UUID_NAMESPACE_DNS), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  assert.equal(dhcpPortDeviceId('www.example.com', 'N'), dhcpPortDeviceId('www', 'N'));
  assert.match(dhcpPortDeviceId('www', 'net-1'), /^dhcp[0-9a-f-]{36}-net-1$/);
});
