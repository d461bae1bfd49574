/**
 * Security group benchmark (issue 14): with N protected ports plugged on one host (`qdhcp all-in-one
 * --enable-security-group`, its L2 role enforcing groups in the testbed's host namespace), how long from the
 * API call to the change in the kernel, p50/p99, and the process's CPU per change. Measured by polling the
 * kernel inside the host namespace (no packet test):
 *
 * - rule add / rule delete: `POST`/`DELETE /v2.0/security-group-rules` on the default group (every plugged
 *   port is in it): an ingress TCP rule for a `remote_ip_prefix` → present in (gone from) the ingress chain
 *   of EVERY plugged port (`iptables-save -t filter`, counted; "first" = the first port's chain; when every
 *   port chain jumps to one shared chain, one `iptables -S` of it per poll, and "first" is that same poll);
 *   probes run with `nsenter --net`, not `ip netns exec` (kernel.ts `probe`);
 * - member join / leave: a spare unplugged port's `security_groups` gets (loses) group R, which a rule of
 *   the default group names as `remote_group_id` (so every plugged port's rules name R's ipset) → its address
 *   in (out of) the ipset (`ipset test`);
 * - tap → ACTIVE: a veth named `tap<port id[0:11]>` appears in the host namespace (peer in the bench's
 *   "vms" namespace) for a port made before → the port `ACTIVE` in the API and its ingress chain present.
 *
 * Ports are made once for the largest count (their addresses are members of the default group whatever N is);
 * N grows by plugging more taps. Prints a markdown table.
 *
 *   node dist/bench/security-groups/run.js [--prefix-file F] [--counts "10 100 1000"] [--samples 20]
 *     [--profile]   (with QDHCP_LOG_LEVEL=debug: the agent's per-batch timings, l2.groups_enforced, to stderr)
 *
 * With QDHCP_BENCH_LOG_DIR set, the agent's whole log (`agent.log`) and every sample's start and end
 * (`samples.tsv`, wall clock as the log's `time`) are written there, so a slow sample can be matched to
 * the agent's lines of that moment (with `agent.loop_delay` every 250 ms: delay and CPU); with --profile, the lines logged during each sample slower than
 * 300 ms are printed to stderr too.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { AllInOne, type Json } from '../../test/support/agent/all-in-one.js';
import { cpuMs, iptablesSave, percentile, plugTaps, probe, timed, unplugTap, waitUntil } from './kernel.js';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}
const counts = option('counts', '10 100 1000').split(/\s+/).filter(Boolean).map(Number);
const samples = Number(option('samples', '20'));
const prefixFile = option('prefix-file', '');
const CIDR = '10.90.0.0/20';
const PAGE = 100;

interface Row {
  readonly what: string;
  readonly ports: number;
  readonly ms: number[];
  readonly first: number[];
  readonly cpu: number[];
  readonly api: number[];
  /** --profile: the agent's security group batches during each sample (l2.groups_enforced). */
  readonly agent: string[];
  /** Each sample's wall-clock start and end (ms epoch), in the order of `ms`. */
  readonly windows: Array<{ readonly start: number; readonly end: number }>;
}
const profile = process.argv.includes('--profile');
const BATCH_FIELDS = ['readMs', 'ipsetMs', 'iptablesMs'] as const;
/** --profile prints the agent's log lines of samples slower than this. */
const SLOW_MS = 300;

/** The agent's log lines stamped from `since` to `until` (ms epoch). */
function linesBetween(output: string, since: number, until = Number.POSITIVE_INFINITY): string[] {
  return output.split('\n').filter((line) => {
    const time = /"time":"([^"]+)"/.exec(line)?.[1];
    const at = time === undefined ? Number.NaN : Date.parse(time);
    return at >= since && at <= until;
  });
}

/** The `l2.groups_enforced` debug lines the agent logged since `since` (ms epoch), their timing fields. */
function agentBatches(output: string, since: number): string[] {
  const batches: string[] = [];
  for (const line of linesBetween(output, since)) {
    if (!line.includes('"l2.groups_enforced"')) continue;
    const fields = ['ports', ...BATCH_FIELDS].map(
      (f) => `${f}=${new RegExp(`"${f}":([\\d.]+)`).exec(line)?.[1]}`,
    );
    batches.push(fields.join(' '));
  }
  return batches;
}

async function main(): Promise<void> {
  // With the log kept: the event loop's delay and the CPU used every 250 ms (agent.loop_delay), to tell a
  // held loop from a process the machine did not schedule.
  if (process.env['QDHCP_BENCH_LOG_DIR'] && !process.env['QDHCP_LOOP_DELAY_LOG_MS'])
    process.env['QDHCP_LOOP_DELAY_LOG_MS'] = '250';
  const aio = await AllInOne.start('bsg', ['--enable-security-group']);
  const rows: Row[] = [];
  if (prefixFile !== '') writeFileSync(prefixFile, `${aio.bed.namespacePrefix}\n`, { flag: 'a' });
  const stop = () => void aio.teardown().then(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    const host = aio.bed.host;
    const vms = await aio.bed.sandbox.addNamespace('vms');
    const { network } = await aio.servedNetwork('sgnet', CIDR);
    const networkId = String(network['id']);
    const remote = await aio.create('/v2.0/security-groups', 'security_group', { name: 'remote' });
    const remoteId = String(remote['id']);
    const newPort = async (name: string) =>
      String((await aio.create('/v2.0/ports', 'port', { network_id: networkId, name }))['id']);
    const max = Math.max(...counts);
    const started = performance.now();
    const plugged: string[] = [];
    const spares: string[] = [];
    for (let i = 0; i < max; i += PAGE)
      plugged.push(
        ...(await Promise.all(
          Array.from({ length: Math.min(PAGE, max - i) }, (_, k) => newPort(`p${i + k}`)),
        )),
      );
    for (let i = 0; i < samples; i++) spares.push(await newPort(`spare${i}`));
    const joiner = await newPort('joiner');
    const joinerPort = (await aio.api('GET', `/v2.0/ports/${joiner}`)).body['port'] as Json;
    const joinerIp = String((joinerPort['fixed_ips'] as Json[])[0]?.['ip_address']);
    const defaultGroup = String((joinerPort['security_groups'] as string[])[0]);
    // Every plugged port's rules name R: a member of R joining or leaving concerns all of them.
    await aio.create('/v2.0/security-group-rules', 'security_group_rule', {
      security_group_id: defaultGroup,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_group_id: remoteId,
    });
    console.error(`${max + samples + 1} ports made in ${Math.round(performance.now() - started)} ms`);

    const profiled = async (...args: Parameters<typeof timed>): Promise<void> => {
      const since = Date.now();
      await timed(...args);
      const row = args[1] as Row;
      const end = since + (row.ms.at(-1) ?? 0);
      row.windows.push({ start: since, end });
      if (!profile) return;
      const log = aio.log();
      row.agent.push(agentBatches(log, since).join('; ') || '(none logged)');
      if (end - since > SLOW_MS)
        console.error(
          `slow sample (${Math.round(end - since)} ms, API call ${Math.round(row.api.at(-1) ?? 0)} ms) ${row.ports} ${row.what} ${new Date(since).toISOString()}:\n${linesBetween(log, since - 50, end + 50).join('\n')}`,
        );
    };
    let wired = 0;
    const countChains = async () =>
      (await iptablesSave(host)).split('\n').filter((l) => l.startsWith(':qsg-i-')).length;
    for (const count of counts) {
      const plugStart = performance.now();
      await plugTaps(host, vms, plugged.slice(wired, count), wired);
      wired = count;
      await waitUntil(`${count} taps protected`, 5000, 600_000, async () => (await countChains()) >= count);
      console.error(`${count} taps protected in ${Math.round(performance.now() - plugStart)} ms`);
      // Settled: every plugged port ACTIVE (the server has written each binding; sampling during that
      // backlog measured the plugging, not a change).
      const pluggedNow = new Set(plugged.slice(0, count));
      await waitUntil(`${count} ports ACTIVE`, 2000, 600_000, async () => {
        const reply = await aio.api('GET', `/v2.0/ports?network_id=${networkId}`).catch(() => undefined);
        if (reply === undefined) return false; // the API busy with the backlog: ask again
        const ports = (reply.body['ports'] ?? []) as Json[];
        return (
          ports.filter((p) => pluggedNow.has(String(p['id'])) && p['status'] === 'ACTIVE').length >= count
        );
      });
      console.error(`${count} ports ACTIVE ${Math.round(performance.now() - plugStart)} ms after plugging`);
      // Ports sharing their groups' chains (qsg-si-KEY): when every port chain jumps to the one shared
      // chain (checked here, once), a rule is in every port's path when it is in that chain, and one
      // `iptables -S` of it is the poll; else (one chain per port) `iptables-save`, counted.
      const firstChain = `qsg-i-tap${(plugged[0] ?? '').slice(0, 11)}`;
      const shared = /-j (qsg-si-[0-9a-f]+)/.exec(
        (await host.exec('iptables', ['-w', '5', '-S', firstChain])).stdout,
      )?.[1];
      const saved = await iptablesSave(host);
      const jumping = saved.split('\n').filter((l) => shared !== undefined && l.endsWith(`-j ${shared}`));
      const viaShared = shared !== undefined && jumping.length === count;
      console.error(`${count} ports: ${viaShared ? `all jump to ${shared}` : 'per-port chains'}`);
      const row = (what: string): Row => {
        const r: Row = { what, ports: count, ms: [], first: [], cpu: [], api: [], agent: [], windows: [] };
        rows.push(r);
        return r;
      };
      const add = row('rule add → in every port chain');
      const del = row('rule delete → out of every port chain');
      const join = row('member join → address in ipset');
      const leave = row('member leave → address out of ipset');
      const tapUp = row('tap → port ACTIVE and chain present');
      for (let s = 0; s < samples; s++) {
        const dport = 10_000 + s;
        const inChains = async (): Promise<number> => {
          if (!viaShared) {
            const lines = (await iptablesSave(host)).split('\n');
            return lines.filter((l) => l.includes(` --dports ${dport} `)).length;
          }
          const chain = (await probe(host, 'iptables', ['-w', '5', '-S', shared])).stdout;
          return chain.includes(` --dports ${dport} `) ? count : 0;
        };
        let rule: Json = {};
        await profiled(
          aio.pid,
          add,
          2,
          async () => {
            rule = await aio.create('/v2.0/security-group-rules', 'security_group_rule', {
              security_group_id: defaultGroup,
              direction: 'ingress',
              ethertype: 'IPv4',
              protocol: 'tcp',
              port_range_min: dport,
              port_range_max: dport,
              remote_ip_prefix: `10.201.${s}.0/24`,
            });
          },
          async () => (await inChains()) >= count,
          // Through the shared chain the first port and every port are one poll: polled once.
          viaShared ? undefined : async () => (await inChains()) >= 1,
        );
        await profiled(
          aio.pid,
          del,
          2,
          async () => {
            const reply = await aio.api('DELETE', `/v2.0/security-group-rules/${String(rule['id'])}`);
            if (reply.status !== 204) throw new Error(`rule delete: ${reply.status}`);
          },
          async () => (await inChains()) === 0,
        );
        const member = async () =>
          (
            await probe(
              host,
              'ipset',
              ['test', `qsg4-${remoteId.replaceAll('-', '').slice(0, 26)}`, joinerIp],
              true,
            )
          ).code === 0;
        const groupsOf = async (groups: string[]) => {
          const reply = await aio.api('PUT', `/v2.0/ports/${joiner}`, { port: { security_groups: groups } });
          if (reply.status !== 200) throw new Error(`port update: ${JSON.stringify(reply.body)}`);
        };
        await profiled(aio.pid, join, 1, () => groupsOf([defaultGroup, remoteId]), member);
        await profiled(
          aio.pid,
          leave,
          1,
          () => groupsOf([defaultGroup]),
          async () => !(await member()),
        );
        const spare = spares[s] ?? '';
        const tap = `tap${spare.slice(0, 11)}`;
        await profiled(
          aio.pid,
          tapUp,
          2,
          () => plugTaps(host, vms, [spare], 100_000 + s),
          async () => {
            const port = (await aio.api('GET', `/v2.0/ports/${spare}`)).body['port'] as Json;
            if (port['status'] !== 'ACTIVE') return false;
            return (await probe(host, 'iptables', ['-w', '5', '-S', `qsg-i-${tap}`], true)).code === 0;
          },
        );
        await unplugTap(host, tap);
        await waitUntil(`${tap} unwired`, 20, 30_000, async () => {
          const port = (await aio.api('GET', `/v2.0/ports/${spare}`)).body['port'] as Json;
          return port['status'] === 'DOWN';
        });
      }
      console.error(`${count} ports: samples done\n${table(rows)}`);
    }
    console.log(table(rows));
    // --profile (with QDHCP_LOG_LEVEL=debug): the L2 role's own split of each sample's batches, to stderr.
    if (profile)
      for (const row of rows)
        for (const line of row.agent) console.error(`${row.ports} ${row.what}: ${line}`);
  } catch (error) {
    console.error(aio.output());
    throw error;
  } finally {
    keepLogs(aio.log());
    await aio.teardown();
  }

  /** QDHCP_BENCH_LOG_DIR: the agent's whole log and every sample's window, to match slow samples. */
  function keepLogs(log: string): void {
    const dir = process.env['QDHCP_BENCH_LOG_DIR'];
    if (dir === undefined || dir === '') return;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/agent.log`, log);
    const iso = (ms: number) => new Date(ms).toISOString();
    const lines = rows.flatMap((row) =>
      row.windows.map((w, i) =>
        [
          row.ports,
          row.what,
          i,
          iso(w.start),
          iso(w.end),
          Math.round(w.end - w.start),
          Math.round(row.api[i] ?? 0),
        ].join('\t'),
      ),
    );
    writeFileSync(
      `${dir}/samples.tsv`,
      `ports\tchange\tsample\tstart\tend\tms\tapi_ms\n${lines.join('\n')}\n`,
    );
    console.error(`agent log and sample windows in ${dir}`);
  }
}

function table(rows: readonly Row[]): string {
  const f = (n: number) => (Number.isNaN(n) ? '–' : String(Math.round(n)));
  const lines = [
    `Security groups: API call → kernel (polled in the host namespace), ${samples} samples per row; load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} at the end`,
    '',
    '| change | plugged ports | samples | API reply p50 ms | p50 ms | p99 ms | max ms | first port p50 ms | CPU ms / change (p50) |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const row of rows) {
    const sorted = [...row.ms].sort((a, b) => a - b);
    const first = [...row.first].sort((a, b) => a - b);
    const cpu = [...row.cpu].sort((a, b) => a - b);
    const api = [...row.api].sort((a, b) => a - b);
    lines.push(
      `| ${row.what} | ${row.ports} | ${sorted.length} | ${f(percentile(api, 50))} | ${f(percentile(sorted, 50))} | ${f(percentile(sorted, 99))} | ${f(sorted.at(-1) ?? Number.NaN)} | ${first.length > 0 ? f(percentile(first, 50)) : '–'} | ${f(percentile(cpu, 50))} |`,
    );
  }
  return lines.join('\n');
}

void cpuMs;
main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
