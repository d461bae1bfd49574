import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Test fixture loading. Compiled tests run from `dist/…`, so paths are resolved from the repository root,
 * found by walking up from this file to the folder that holds `package.json`.
 */
export function repoRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 10; depth++) {
    if (existsSync(join(directory, 'package.json'))) return directory;
    const parent = dirname(directory);
    if (parent === directory) break;
    directory = parent;
  }
  throw new Error('repository root (folder with package.json) not found above the test support folder');
}

/** A captured (or hand-made) packet: `test/fixtures/<kind>/<name>.json` (DHCP here, DHCPv6 beside it). */
export interface PacketFixture {
  readonly name: string;
  readonly provenance: string;
  readonly description: string;
  /** The UDP payload. */
  readonly bytes: Uint8Array;
}

/** A DHCP packet fixture: `test/fixtures/dhcp/<name>.json`. */
export type DhcpFixture = PacketFixture;

/** Loads the packet fixture `name` (file name without `.json`) of `test/fixtures/<kind>/`. */
export function loadPacketFixture(kind: string, name: string): PacketFixture {
  const path = join(repoRoot(), 'test', 'fixtures', kind, `${name}.json`);
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a JSON object`);
  const { provenance, description, hex } = parsed as Record<string, unknown>;
  if (typeof provenance !== 'string' || typeof description !== 'string' || typeof hex !== 'string') {
    throw new Error(`${path}: needs string fields provenance, description, hex`);
  }
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`${path}: hex is not lowercase hex bytes`);
  return { name, provenance, description, bytes: new Uint8Array(Buffer.from(hex, 'hex')) };
}

/** Names of every packet fixture of `test/fixtures/<kind>/`. */
export function listPacketFixtures(kind: string): string[] {
  return readdirSync(join(repoRoot(), 'test', 'fixtures', kind))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Loads one DHCP fixture by name (file name without `.json`). */
export function loadDhcpFixture(name: string): DhcpFixture {
  return loadPacketFixture('dhcp', name);
}

/** Names of every DHCP fixture in the folder. */
export function listDhcpFixtures(): string[] {
  return listPacketFixtures('dhcp');
}
