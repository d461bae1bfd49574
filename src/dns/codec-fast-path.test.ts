import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildQuery } from '../../test/support/dns/client.js';
import { loadCapturedMessages } from '../../test/support/dns/fixtures.js';
import { mutate } from '../../test/support/dns/mutate.js';
import { seededRandom } from '../../test/support/seeded-random.js';
import { decodeSimpleQuery, decodeWithDnsPacket } from './codec.js';
import type { DnsMessage } from './message.js';

/**
 * The fast query decoder must mean exactly what dns-packet means: whenever `decodeSimpleQuery` returns a
 * message, the full decoder returns the same one (and does not reject the bytes). Checked on the captured
 * dig / busybox queries and on 60,000 generated queries (names, types, EDNS options, trailing bytes) and
 * mutations of them.
 */

function slow(bytes: Buffer): DnsMessage | Error {
  try {
    return decodeWithDnsPacket(bytes);
  } catch (error) {
    return error as Error;
  }
}

function agree(bytes: Buffer, where: string): boolean {
  const fast = decodeSimpleQuery(bytes);
  if (fast === undefined) return false;
  const reference = slow(bytes);
  assert.ok(
    !(reference instanceof Error),
    `${where}: fast path accepted what dns-packet rejects: ${bytes.toString('hex')}`,
  );
  assert.deepEqual(fast, reference, `${where}: ${bytes.toString('hex')}`);
  return true;
}

/** A query with a random name (mostly plain labels, sometimes odd octets), type, OPT and options. */
function generated(random: () => number): Buffer {
  const int = (n: number) => Math.floor(random() * n);
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_';
  const labels: Buffer[] = [];
  for (let i = 1 + int(5); i > 0; i--) {
    const label = Buffer.from(
      Array.from({ length: 1 + int(int(8) === 0 ? 70 : 20) }, () =>
        alphabet.charCodeAt(int(alphabet.length)),
      ),
    );
    if (int(20) === 0) label[int(label.length)] = int(256); // an odd octet: the fast path must step aside
    labels.push(Buffer.concat([Buffer.from([label.length & 0xff]), label]));
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(int(0x10000), 0);
  header.writeUInt16BE(int(0x10000), 2);
  header.writeUInt16BE(1, 4);
  const withOpt = int(2) === 0;
  header.writeUInt16BE(withOpt ? 1 : 0, 10);
  const tail = Buffer.alloc(4);
  tail.writeUInt16BE([1, 2, 5, 6, 12, 15, 16, 28, 33, 41, 255, 65280, int(0x10000)][int(13)] ?? 1, 0);
  tail.writeUInt16BE([1, 1, 1, 3, 255, 0x8001, int(0x10000)][int(7)] ?? 1, 2);
  const parts = [header, ...labels, Buffer.from([0]), tail];
  if (withOpt) {
    const options: Buffer[] = [];
    for (let i = int(3); i > 0; i--) {
      const data = Buffer.alloc(int(3) === 0 ? 8 : int(12));
      const option = Buffer.alloc(4);
      option.writeUInt16BE([10, 12, 3, 8, 11, 14, int(0x10000)][int(7)] ?? 10, 0);
      option.writeUInt16BE(data.length, 2);
      options.push(option, data);
    }
    const body = Buffer.concat(options);
    const opt = Buffer.alloc(11);
    opt.writeUInt16BE(41, 1);
    opt.writeUInt16BE([512, 1232, 4096, 0][int(4)] ?? 1232, 3);
    opt[5] = int(4) === 0 ? int(256) : 0;
    opt[6] = int(4) === 0 ? 1 : 0;
    opt.writeUInt16BE(int(2) === 0 ? 0x8000 : 0, 7);
    opt.writeUInt16BE(body.length, 9);
    parts.push(opt, body);
  }
  if (int(10) === 0) parts.push(Buffer.from([int(256)]));
  return Buffer.concat(parts);
}

describe('fast query decoder', () => {
  it('agrees with dns-packet on every captured query it takes, and takes the plain ones', () => {
    const queries = loadCapturedMessages().filter((m) => m.direction === 'query');
    let taken = 0;
    for (const query of queries) if (agree(Buffer.from(query.hex, 'hex'), 'captured')) taken++;
    for (const [name, type] of [
      ['host-10-0-0-5.openstacklocal', 'A'],
      ['5.0.0.10.in-addr.arpa', 'PTR'],
    ] as const) {
      assert.ok(agree(buildQuery(name, type, 7), name), `${name} takes the fast path`);
      assert.ok(
        agree(buildQuery(name, type, 8, { edns: 1232 }), name),
        `${name} with EDNS takes the fast path`,
      );
    }
    assert.ok(taken >= queries.length / 2, `${taken} of ${queries.length} captured queries on the fast path`);
  });

  it('agrees with dns-packet on 60,000 generated queries and mutations of them', () => {
    const random = seededRandom(60);
    let taken = 0;
    for (let i = 0; i < 30_000; i++) {
      const query = generated(random);
      if (agree(query, `generated #${i}`)) taken++;
      agree(mutate(query, random), `mutated #${i}`);
    }
    assert.ok(taken > 10_000, `${taken} generated queries on the fast path`);
  });
});
