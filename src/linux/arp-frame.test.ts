import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ARP_FRAME_LENGTH, gratuitousArpFrame } from './arp-frame.js';

const MAC = Uint8Array.from(Buffer.from('fa163e000001', 'hex'));
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
/** Written out field by field from RFC 826 (hardware type 1, protocol 0x0800, lengths 6 and 4). */
const expected = (operation: string, targetMac: string) =>
  [
    'ffffffffffff', // Ethernet destination: broadcast
    'fa163e000001', // Ethernet source
    '0806', // EtherType ARP
    '0001', // hardware type Ethernet
    '0800', // protocol type IPv4
    '06', // hardware address length
    '04', // protocol address length
    operation,
    'fa163e000001', // sender MAC
    'ac18040a', // sender IP 172.24.4.10
    targetMac,
    'ac18040a', // target IP: the same address (gratuitous)
    '00'.repeat(18), // padding to 60 bytes
  ].join('');

test('a gratuitous ARP request: broadcast, zero target MAC, sender = target address, 60 bytes', () => {
  const frame = gratuitousArpFrame(MAC, '172.24.4.10', 'request');
  assert.equal(frame.length, ARP_FRAME_LENGTH);
  assert.equal(hex(frame), expected('0001', '000000000000'));
});

test('a gratuitous ARP reply: operation 2, broadcast target MAC', () => {
  assert.equal(hex(gratuitousArpFrame(MAC, '172.24.4.10', 'reply')), expected('0002', 'ffffffffffff'));
});

test('addresses at the edges of the octets are written big-endian', () => {
  const frame = gratuitousArpFrame(MAC, '255.0.1.128', 'request');
  assert.equal(hex(frame.subarray(28, 32)), 'ff000180');
  assert.equal(hex(frame.subarray(38, 42)), 'ff000180');
});

test('bad input is refused, not sent', () => {
  assert.throws(() => gratuitousArpFrame(MAC, '172.24.4', 'request'), /IPv4/);
  assert.throws(() => gratuitousArpFrame(MAC.subarray(0, 5), '172.24.4.10', 'request'), /6 bytes/);
});
