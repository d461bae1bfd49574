import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './fixtures.js';

/** A captured (or hand-made) DHCPv6 message: `test/fixtures/dhcpv6/<name>.json` (format in its README). */
export interface Dhcpv6Fixture {
  readonly name: string;
  readonly provenance: string;
  readonly description: string;
  /** The UDP payload. */
  readonly bytes: Uint8Array;
}

const FOLDER = ['test', 'fixtures', 'dhcpv6'];

/** Loads one DHCPv6 fixture by name (file name without `.json`). */
export function loadDhcpv6Fixture(name: string): Dhcpv6Fixture {
  const path = join(repoRoot(), ...FOLDER, `${name}.json`);
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a JSON object`);
  const { provenance, description, hex } = parsed as Record<string, unknown>;
  if (typeof provenance !== 'string' || typeof description !== 'string' || typeof hex !== 'string') {
    throw new Error(`${path}: needs string fields provenance, description, hex`);
  }
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) throw new Error(`${path}: hex is not lowercase hex bytes`);
  return { name, provenance, description, bytes: new Uint8Array(Buffer.from(hex, 'hex')) };
}

/** Names of every DHCPv6 fixture in the folder. */
export function listDhcpv6Fixtures(): string[] {
  return readdirSync(join(repoRoot(), ...FOLDER))
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}
