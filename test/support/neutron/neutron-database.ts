/**
 * The run's own database on the machine's MariaDB (UNIX socket, root without a password): a unique database
 * and user, Neutron's schema, dropped in teardown. The schema comes from `neutron-db-manage upgrade head`
 * once per package version (~1 min here); its dump is kept in /var/cache/qdhcp-test-neutron and loaded by
 * later runs in a few seconds. The machine's MariaDB is never stopped or reconfigured.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from '../../../src/linux/run-command.js';

const SOCKET = '/run/mysqld/mysqld.sock';
const CACHE_DIR = '/var/cache/qdhcp-test-neutron';

async function sql(statements: string, database?: string): Promise<string> {
  const args = ['--protocol=socket', `--socket=${SOCKET}`, '-N', '-B'];
  if (database !== undefined) args.push(database);
  return (await runCommand('mysql', args, { input: statements, timeoutMs: 60_000 })).stdout;
}

/** The installed python3-neutron version (the key of the cached schema). */
async function neutronVersion(): Promise<string> {
  // `dpkg-query -W NAME` prints `NAME<tab>VERSION`.
  const out = await runCommand('dpkg-query', ['-W', 'python3-neutron']);
  return (out.stdout.trim().split('\t')[1] ?? 'unknown').replace(/[^A-Za-z0-9.+~-]/g, '_');
}

/** A database and user of one run; `drop()` removes both. */
export class NeutronDatabase {
  private constructor(
    readonly name: string,
    private readonly password: string,
  ) {}

  /** Creates database and user `name` (letters, digits, `_`; ≤ 32 characters). */
  static async create(name: string): Promise<NeutronDatabase> {
    if (!/^[a-z0-9_]{1,32}$/.test(name)) throw new Error(`bad database name ${name}`);
    const password = randomBytes(12).toString('hex');
    await sql(
      `CREATE DATABASE ${name};
       CREATE USER '${name}'@'localhost' IDENTIFIED BY '${password}';
       GRANT ALL ON ${name}.* TO '${name}'@'localhost';`,
    );
    return new NeutronDatabase(name, password);
  }

  /** SQLAlchemy URL over the socket. */
  get url(): string {
    return `mysql+pymysql://${this.name}:${this.password}@localhost/${this.name}?unix_socket=${SOCKET}`;
  }

  /**
   * Brings the schema to head: loads the cached dump of this package version, or runs `neutron-db-manage`
   * with `configFiles` (and caches the result). Resolves to how it was done, for the run's timings.
   */
  async upgradeHead(configFiles: readonly string[], logFile: string): Promise<'cached' | 'migrated'> {
    const cache = join(CACHE_DIR, `schema-${await neutronVersion()}.sql`);
    if (existsSync(cache)) {
      await sql(readFileSync(cache, 'utf8'), this.name);
      return 'cached';
    }
    const result = await runCommand(
      'neutron-db-manage',
      [...configFiles.flatMap((file) => ['--config-file', file]), 'upgrade', 'head'],
      { timeoutMs: 300_000, allowFailure: true },
    );
    writeFileSync(logFile, result.stdout + result.stderr);
    if (result.code !== 0) throw new Error(`neutron-db-manage upgrade head failed, see ${logFile}`);
    const dump = await runCommand(
      'mysqldump',
      ['--protocol=socket', `--socket=${SOCKET}`, '--single-transaction', '--skip-comments', this.name],
      { timeoutMs: 60_000 },
    );
    // Written whole then renamed: two runs that migrate at once both write a complete file.
    mkdirSync(CACHE_DIR, { recursive: true });
    const temporary = `${cache}.${process.pid}.tmp`;
    writeFileSync(temporary, dump.stdout);
    renameSync(temporary, cache);
    return 'migrated';
  }

  /**
   * What still keeps a port from going ACTIVE: the entities of its rows in Neutron's `provisioningblocks`
   * (`DHCP` until a DHCP agent calls `dhcp_ready_on_ports`, `L2` until the L2 agent reports the device up;
   * `neutron/db/provisioning_blocks.py`), sorted. Empty when nothing blocks it (or the port is gone).
   */
  async provisioningBlocks(portId: string): Promise<string[]> {
    if (!/^[0-9a-f-]{36}$/.test(portId)) throw new Error(`bad port id ${portId}`);
    const out = await sql(
      `SELECT b.entity FROM provisioningblocks b JOIN ports p ON p.standard_attr_id = b.standard_attr_id
       WHERE p.id = '${portId}' ORDER BY b.entity;`,
      this.name,
    );
    return out.split('\n').filter((line) => line !== '');
  }

  /** Drops the database and the user. Never throws. */
  async drop(): Promise<void> {
    await sql(`DROP DATABASE IF EXISTS ${this.name}; DROP USER IF EXISTS '${this.name}'@'localhost';`).catch(
      () => undefined,
    );
  }
}
