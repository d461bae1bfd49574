/**
 * Serves the DHCP agent contract (`src/bus/dhcp-agent-rpc.ts`) on the bus: every request's params are
 * checked against the method's schema before the use-case runs (inputs validated at the edge), and a
 * bad request is a clear error for the caller.
 *
 * @module
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DHCP_AGENT_METHODS,
  type DhcpAgentMethod,
  type MethodParams,
  type MethodResult,
} from '../bus/dhcp-agent-rpc.js';
import type { Bus, Unsubscribe } from '../bus/index.js';
import {
  L3_AGENT_METHODS,
  type L3AgentMethod,
  type L3MethodParams,
  type L3MethodResult,
} from '../bus/l3-agent-rpc.js';
import { QdhcpError } from '../common/errors.js';

/** One handler per contract method. */
export type DhcpAgentHandlers = {
  readonly [M in DhcpAgentMethod]: (params: MethodParams<M>) => Promise<MethodResult<M>>;
};

/** One handler per method of the L3 contract (`bus/l3-agent-rpc.ts`). */
export type L3AgentHandlers = {
  readonly [M in L3AgentMethod]: (params: L3MethodParams<M>) => Promise<L3MethodResult<M>>;
};

/** Serves every method of the contract; returns the unsubscribe functions. */
export function serveDhcpAgentContract(bus: Bus, handlers: DhcpAgentHandlers): Unsubscribe[] {
  return serveMethods(bus, DHCP_AGENT_METHODS, handlers);
}

/** Serves every method of the L3 contract, with the same checks. */
export function serveL3AgentContract(bus: Bus, handlers: L3AgentHandlers): Unsubscribe[] {
  return serveMethods(bus, L3_AGENT_METHODS, handlers);
}

function serveMethods<M extends string>(
  bus: Bus,
  methods: Readonly<Record<M, { readonly params: TSchema }>>,
  handlers: Readonly<Record<M, unknown>>,
): Unsubscribe[] {
  return (Object.keys(methods) as M[]).map((method) =>
    bus.serve(method, async (params) => {
      const schema = methods[method].params;
      if (!Value.Check(schema, params)) {
        const first = Value.Errors(schema, params).First();
        throw new QdhcpError('AGENT_REQUEST_INVALID', {
          method,
          reason: `params do not match the contract at ${first?.path || '/'}: ${first?.message ?? '?'}`,
        });
      }
      const handler = handlers[method] as (p: unknown) => Promise<unknown>;
      return handler(params);
    }),
  );
}
