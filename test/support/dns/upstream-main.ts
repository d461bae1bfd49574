import { parseArgs } from 'node:util';
import { startTestUpstream } from './upstream.js';

/**
 * The test upstream resolver as a process (for e2e tests in namespaces):
 * `node dist/test/support/dns/upstream-main.js --listen 10.77.8.2 [--port 53]`. Prints `ready`, then one
 * `query NAME TYPE udp|tcp` line per query it receives; exits on SIGTERM.
 */
const { values } = parseArgs({
  options: { listen: { type: 'string' }, port: { type: 'string', default: '53' } },
});
if (values.listen === undefined) throw new Error('--listen ADDRESS is required');
const upstream = await startTestUpstream(values.listen, Number(values.port), (line) =>
  process.stdout.write(`${line}\n`),
);
process.stdout.write('ready\n');
process.on('SIGTERM', () => {
  void upstream.close().then(() => process.exit(0));
});
