/**
 * Test support for the agent suites: a control plane with a hand-driven clock on a throw-away SQLite or
 * PostgreSQL database, HTTP through `inject()`, the DHCP agent contract through the bus, and every
 * published bus event recorded.
 *
 * @module
 */
import { after, before, describe } from 'node:test';
import type { DhcpAgentMethod, MethodParams, MethodResult } from '../../bus/dhcp-agent-rpc.js';
import type { BusEvent } from '../../bus/index.js';
import { defaultConfig } from '../../common/config.js';
import { createTestDatabase, type TestDatabase } from '../../db/testing/test-databases.js';
import { buildControlPlane, type ControlPlane } from '../../main/server.js';
import { BACKENDS, type Reply, TEST_CONFIG } from './test-harness.js';

/** Drives one control plane whose clock only moves when told. */
export interface AgentClient {
  readonly plane: () => ControlPlane;
  request(method: string, url: string, body?: unknown): Promise<Reply>;
  rpc<M extends DhcpAgentMethod>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
  /** A heartbeat of a DHCP agent on `host` (with `physicalNetworks`: the physnets it maps, default none). */
  report(
    host: string,
    options?: { startFlag?: boolean; networks?: number; physicalNetworks?: string[] },
  ): Promise<MethodResult<'agent.report_state'>>;
  /** Moves the clock forward. */
  advance(seconds: number): void;
  /** Events published so far (cleared with `events.length = 0`). */
  readonly events: BusEvent[];
}

/** Declares `suite` once per backend with a fresh plane (closed and dropped after, even on failure). */
export function forEachAgentBackend(
  title: string,
  suite: (client: AgentClient) => void,
  overrides: Readonly<Record<string, string>> = {},
): void {
  for (const backend of BACKENDS) {
    describe(`${title} [${backend}]`, () => {
      let database: TestDatabase | undefined;
      let plane: ControlPlane | undefined;
      let now = Date.parse('2026-11-22T10:00:00.000Z');
      const events: BusEvent[] = [];
      before(async () => {
        database = await createTestDatabase(backend);
        plane = await buildControlPlane(
          defaultConfig({
            ...TEST_CONFIG,
            agent_check_interval: '3600',
            agent_down_time: '75', // the suites' clock steps are written for Neutron's value
            ...overrides,
            connection: database.url,
            state_dir: database.stateDir,
          }),
          { clock: () => new Date(now) },
        );
        plane.bus.subscribe((event) => {
          events.push(event);
        });
      });
      after(async () => {
        await plane?.close();
        await database?.drop();
      });
      const rpc = async <M extends DhcpAgentMethod>(method: M, params: MethodParams<M>) =>
        (await plane!.bus.request({
          schema: 'qdhcp.request',
          version: 1,
          method,
          params: params as Record<string, unknown>,
        })) as MethodResult<M>;
      suite({
        plane: () => plane!,
        events,
        advance(seconds) {
          now += seconds * 1000;
        },
        rpc,
        report(host, options = {}) {
          return rpc('agent.report_state', {
            host,
            binary: 'qdhcp-agent',
            agentType: 'DHCP agent',
            availabilityZone: 'nova',
            startFlag: options.startFlag ?? false,
            configurations: {
              driver: 'builtin',
              networks: options.networks ?? 0,
              subnets: 0,
              ports: 0,
              physicalNetworks: options.physicalNetworks ?? [],
            },
          });
        },
        async request(method, url, body) {
          const response = await plane!.api.inject({
            method: method as 'GET',
            url,
            headers: { 'content-type': 'application/json' },
            ...(body !== undefined && { payload: JSON.stringify(body) }),
          });
          // Scheduling runs after the commit, off the request: let it finish so tests see its result.
          await new Promise((resolve) => setImmediate(resolve));
          await plane!.schedulingIdle();
          let parsed: Reply['body'] = {};
          if (response.body !== '' && response.body !== 'null')
            parsed = JSON.parse(response.body) as Reply['body'];
          return { status: response.statusCode, body: parsed, headers: response.headers };
        },
      });
    });
  }
}
