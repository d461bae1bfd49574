/**
 * The one-process floating-IP change: the script is run by a real `sh` against stand-ins for nft, ip and
 * conntrack (scripts in a temporary PATH that record their arguments and stdin), so the order, the
 * here-documents and the `tracked` lines are checked as the shell executes them.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { floatingIpChangeScript } from './floating-ip-script.js';

const bin = mkdtempSync(join(tmpdir(), 'qdhcp-fip-script-'));
const log = join(bin, 'log');
after(() => rmSync(bin, { recursive: true, force: true }));

/** A stand-in that logs `name args` and its stdin; `conntrack -L` prints `listing`; `nft` fails if told. */
function standIns(listing: string, nftFails = false): void {
  writeFileSync(log, '');
  for (const name of ['nft', 'ip', 'conntrack']) {
    const body = [
      '#!/bin/sh',
      `printf '%s\\n' "${name} $*" >> ${log}`,
      `case "$*" in *" -f -"*|"-f -"|"-batch -") cat >> ${log} ;; esac`,
      name === 'conntrack' ? `case "$1" in -L) printf '%s\\n' '${listing}' ;; esac` : '',
      name === 'nft' && nftFails ? 'echo "Error: No such file or directory" >&2; exit 1' : 'exit 0',
    ];
    writeFileSync(join(bin, name), `${body.join('\n')}\n`);
    chmodSync(join(bin, name), 0o755);
  }
}

function run(script: string): { stdout: string; code: number } {
  try {
    const stdout = execFileSync('sh', ['-s'], {
      input: script,
      env: { PATH: `${bin}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    return { stdout, code: 0 };
  } catch (error) {
    return { stdout: '', code: (error as { status: number }).status };
  }
}

const NFT = [
  'add element ip qrouter fip_dnat { 172.24.4.10 : 10.0.0.5 }',
  'add element ip qrouter fip_snat { 10.0.0.5 : 172.24.4.10 }',
];
const IP = ['addr add 172.24.4.10/32 dev qg-1'];

test('associate: nft, then ip, then conntrack; only addresses with entries are deleted and reported', () => {
  standIns('udp 17 29 src=172.24.4.1 dst=172.24.4.10 sport=40002 dport=8080 src=172.24.4.10 dst=172.24.4.1');
  const script = floatingIpChangeScript({
    nftLines: NFT,
    ipLines: IP,
    order: 'nft-first',
    conntrackAddresses: ['172.24.4.10', '172.24.4.1', '172.24.4.11'],
  });
  const { stdout, code } = run(script);
  assert.equal(code, 0);
  // 172.24.4.1 is a destination too (the reply tuple): both are reported, 172.24.4.11 is not.
  assert.deepEqual(stdout.trim().split('\n'), ['applied', 'tracked 172.24.4.10', 'tracked 172.24.4.1']);
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
    'nft -f -',
    ...NFT,
    'ip -batch -',
    ...IP,
    'conntrack -L -f ipv4',
    'conntrack -D -f ipv4 --orig-dst 172.24.4.10',
    'conntrack -D -f ipv4 --reply-dst 172.24.4.10',
    'conntrack -D -f ipv4 --orig-dst 172.24.4.1',
    'conntrack -D -f ipv4 --reply-dst 172.24.4.1',
  ]);
});

test('disassociate: ip first; a failing nft fails the script and nothing after it runs', () => {
  standIns('', true);
  const script = floatingIpChangeScript({
    nftLines: ['delete element ip qrouter fip_dnat { 172.24.4.10 }'],
    ipLines: ['addr del 172.24.4.10/32 dev qg-1'],
    order: 'ip-first',
    conntrackAddresses: ['172.24.4.10'],
  });
  assert.notEqual(run(script).code, 0);
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), [
    'ip -batch -',
    'addr del 172.24.4.10/32 dev qg-1',
    'nft -f -',
    'delete element ip qrouter fip_dnat { 172.24.4.10 }',
  ]);
});

test('nothing in a line is expanded by the shell; bad addresses and lines are refused', () => {
  standIns('');
  const line = 'add element ip qrouter fip_dnat { $(touch /tmp/x) `id` ; 172.24.4.10 : 10.0.0.5 }';
  assert.equal(
    run(floatingIpChangeScript({ nftLines: [line], ipLines: [], order: 'nft-first', conntrackAddresses: [] }))
      .code,
    0,
  );
  assert.deepEqual(readFileSync(log, 'utf8').trim().split('\n'), ['nft -f -', line]);
  const change = { nftLines: [], ipLines: [], order: 'nft-first' as const };
  assert.throws(() => floatingIpChangeScript({ ...change, conntrackAddresses: ['1.2.3.4; reboot'] }), /IPv4/);
  assert.throws(
    () => floatingIpChangeScript({ ...change, conntrackAddresses: [], nftLines: ['QDHCP_END_OF_LINES'] }),
    /bad script line/,
  );
});
