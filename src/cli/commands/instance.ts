import { readFile } from 'node:fs/promises';
import { type Command, CommanderError } from 'commander';
import { isQdhcpError, QdhcpError } from '../../common/errors.js';

interface CommonOptions {
  api: string;
  token?: string;
  format: string;
}

interface CreateOptions extends CommonOptions {
  name: string;
  hostname?: string;
  port?: string[];
  key?: string;
  keyFile?: string;
  userData?: string;
  property?: string[];
  availabilityZone?: string;
}

/** Repeatable option values (no default, so `--help` shows none). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function addCommon(command: Command): Command {
  return (
    command
      .option('--api <url>', 'qdhcp API endpoint', 'http://127.0.0.1:9696')
      .option('--token <token>', 'X-Auth-Token (token auth mode)')
      .option('-f, --format <format>', 'output format: table or json', 'table')
      // Bad flags are usage errors like the ones this command finds itself: exit 2 (help stays 0).
      .exitOverride((error) => {
        throw error.exitCode === 0 ? error : new CommanderError(2, error.code, error.message);
      })
  );
}

/** `k=v` pairs of `--property` as an object; a pair without `=` is a usage error. */
export function parseProperties(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      throw new QdhcpError('CLI_USAGE', { reason: `--property ${JSON.stringify(pair)}: expected KEY=VALUE` });
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function readInput(flag: string, path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new QdhcpError('CLI_USAGE', {
      reason: `${flag} ${path}: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
}

/** The POST body of `instance create` from its options (files read here). */
async function createFields(options: CreateOptions): Promise<Record<string, unknown>> {
  const ports = options.port ?? [];
  const properties = options.property ?? [];
  if (ports.length === 0)
    throw new QdhcpError('CLI_USAGE', { reason: 'at least one --port PORT_ID is needed' });
  if (options.key !== undefined && options.keyFile !== undefined) {
    throw new QdhcpError('CLI_USAGE', { reason: '--key and --key-file exclude each other' });
  }
  const key =
    options.keyFile !== undefined
      ? (await readInput('--key-file', options.keyFile)).toString('utf8').trim()
      : options.key;
  return {
    name: options.name,
    ports,
    ...(options.hostname !== undefined && { hostname: options.hostname }),
    ...(key !== undefined && { public_keys: { default: key } }),
    ...(options.userData !== undefined && {
      user_data: (await readInput('--user-data', options.userData)).toString('base64'),
    }),
    ...(properties.length > 0 && { metadata: parseProperties(properties) }),
    ...(options.availabilityZone !== undefined && { availability_zone: options.availabilityZone }),
  };
}

/** A text table with a header row, as the openstack CLI prints one. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
  const line = (cells: readonly string[]) =>
    `|${widths.map((w, i) => ` ${(cells[i] ?? '').padEnd(w)} `).join('|')}|\n`;
  return rule + line(headers) + rule + rows.map(line).join('') + rule;
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map(String).join(', ');
  if (typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}='${String(v)}'`)
      .join(', ');
  }
  return String(value);
}

function printInstance(instance: Readonly<Record<string, unknown>>, format: string): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(instance, null, 2)}\n`);
    return;
  }
  // User data can be 64 KiB: the table shows its size, JSON the data itself.
  const shown = Object.entries(instance).map(([field, value]): [string, string] =>
    field === 'user_data' && typeof value === 'string'
      ? [field, `${Buffer.byteLength(value, 'base64')} bytes`]
      : [field, cell(value)],
  );
  process.stdout.write(formatTable(['Field', 'Value'], shown));
}

/** Runs one subcommand: the API client from the options, errors as a message and an exit code. */
async function run(
  options: CommonOptions,
  work: (api: import('../../probe/api-client.js').InstanceApi) => Promise<void>,
): Promise<void> {
  const { InstanceApi } = await import('../../probe/api-client.js');
  try {
    if (options.format !== 'table' && options.format !== 'json') {
      throw new QdhcpError('CLI_USAGE', { reason: `--format ${options.format}: expected table or json` });
    }
    await work(new InstanceApi(options.api, options.token));
  } catch (error) {
    if (isQdhcpError(error, 'CLI_USAGE') || isQdhcpError(error, 'PROBE_API_FAILED')) {
      process.stderr.write(`qdhcp instance: ${error.message}\n`);
      process.exitCode = error.code === 'CLI_USAGE' ? 2 : 1;
      return;
    }
    throw error;
  }
}

/** `qdhcp instance create|show|list|delete`: instance records for the builtin metadata service. */
export function registerInstance(program: Command): void {
  const instance = program
    .command('instance')
    .description(
      'instance records for the metadata service: name, ports, SSH keys, user data (/v2.0/qdhcp/instances)',
    );

  addCommon(
    instance
      .command('create')
      .description('create an instance record that takes the given ports (their device_id becomes its id)')
      .requiredOption('--name <name>', 'instance name')
      .option('--hostname <hostname>', 'host name (a DNS label; default: derived from the name)')
      .option('--port <port-id>', 'a port the instance takes (repeatable, at least one)', collect)
      .option('--key <public-key>', 'SSH public key served as public-keys/0 ("ssh-ed25519 AAAA…")')
      .option('--key-file <file>', 'read the SSH public key from a file (e.g. ~/.ssh/id_ed25519.pub)')
      .option('--user-data <file>', 'user data file (e.g. a #cloud-config), at most 64 KiB')
      .option('--property <key=value>', 'metadata key/value (repeatable)', collect)
      .option('--availability-zone <zone>', 'availability zone (default: nova)'),
  ).action(async (options: CreateOptions) => {
    await run(options, async (api) =>
      printInstance(await api.create(await createFields(options)), options.format),
    );
  });

  addCommon(
    instance.command('show').description('show an instance record').argument('<instance>', 'id or name'),
  ).action(async (idOrName: string, options: CommonOptions) => {
    await run(options, async (api) => printInstance(await api.find(idOrName), options.format));
  });

  addCommon(instance.command('list').description('list instance records')).action(
    async (options: CommonOptions) => {
      await run(options, async (api) => {
        const instances = await api.list();
        if (options.format === 'json') {
          process.stdout.write(`${JSON.stringify(instances, null, 2)}\n`);
          return;
        }
        const rows = instances.map((i) => [i.id, i.name, i.hostname, cell(i.ports), i.project_id]);
        process.stdout.write(formatTable(['ID', 'Name', 'Hostname', 'Ports', 'Project'], rows));
      });
    },
  );

  addCommon(
    instance
      .command('delete')
      .description('delete an instance record; its ports stay, with device_id cleared')
      .argument('<instance>', 'id or name'),
  ).action(async (idOrName: string, options: CommonOptions) => {
    await run(options, async (api) => {
      const found = await api.find(idOrName);
      await api.delete(found.id);
      if (options.format === 'table') process.stdout.write(`instance ${found.id} deleted\n`);
    });
  });
}
