/**
 * The `openstack` CLI as the e2e tests run it: against one endpoint without Keystone
 * (`--os-auth-type none`), with a clean environment (no inherited OS_* variables) and its own HOME.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What one `openstack` command did. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `openstack ARGS` against `endpoint`; never throws (the exit code is in the result). */
export async function runOpenstack(
  endpoint: string,
  home: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<CliResult> {
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  try {
    const { stdout, stderr } = await run(
      'openstack',
      ['--os-auth-type', 'none', '--os-endpoint', endpoint, ...args],
      { env, timeout: timeoutMs },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
