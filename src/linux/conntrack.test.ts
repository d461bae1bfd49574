import assert from 'node:assert/strict';
import { test } from 'node:test';
import { trackedDestinations } from './conntrack.js';

// `conntrack -L -f ipv4` lines as conntrack 1.4.7 prints them (original tuple, then reply tuple).
const LISTING = [
  'udp      17 29 src=10.0.0.5 dst=172.24.4.1 sport=40000 dport=8080 src=172.24.4.1 dst=172.24.4.10 sport=8080 dport=40000 mark=0 use=1',
  'tcp      6 431999 ESTABLISHED src=172.24.4.1 dst=172.24.4.11 sport=5555 dport=8080 src=10.0.0.6 dst=172.24.4.1 sport=8080 dport=5555 [ASSURED] mark=0 use=1',
  'icmp     1 29 src=10.0.0.7 dst=172.24.4.100 type=8 code=0 id=1 src=172.24.4.100 dst=172.24.4.2 type=0 code=0 id=1 mark=0 use=1',
].join('\n');

test('only floating IPs that are a destination in either tuple are deleted', () => {
  assert.deepEqual(
    trackedDestinations(LISTING, ['172.24.4.10', '172.24.4.11', '172.24.4.12', '172.24.4.1']),
    ['172.24.4.10', '172.24.4.11', '172.24.4.1'],
  );
  assert.deepEqual(trackedDestinations(LISTING, ['172.24.4.10']), ['172.24.4.10']);
  // Whole addresses only: neither a prefix of a listed one nor a source-only address.
  assert.deepEqual(trackedDestinations(LISTING, ['172.24.4.', '10.0.0.5']), []);
  assert.deepEqual(trackedDestinations('', ['172.24.4.10']), []);
});
