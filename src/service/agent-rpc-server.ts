/**
 * Serves the agent contracts (`src/bus/dhcp-agent-rpc.ts`, `src/bus/l2-agent-rpc.ts`) on the bus: every
 * request's params are checked against the method's schema before the use-case runs (inputs validated at
 * the edge), and a bad request is a clear error for the caller.
 *
 * @module
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  DHCP_AGENT_METHODS,
  type DhcpAgentMethod,
  type MethodParams,
  type MethodResult,
} from '../bus/dhcp-agent-rpc.js';
import type { Bus, Unsubscribe } from '../bus/index.js';
import { L2_AGENT_METHODS } from '../bus/l2-agent-rpc.js';
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

type Methods = Record<string, { readonly params: TSchema; readonly result: TSchema }>;

/** One handler per method of a contract table. */
export type ContractHandlers<T extends Methods> = {
  readonly [M in keyof T]: (params: Static<T[M]['params']>) => Promise<Static<T[M]['result']>>;
};

/** Serves every method of a contract table; returns the unsubscribe functions. */
function serveContract<T extends Methods>(
  bus: Bus,
  methods: T,
  handlers: ContractHandlers<T>,
): Unsubscribe[] {
  return (Object.keys(methods) as Array<keyof T & string>).map((method) =>
    bus.serve(method, async (params) => {
      const schema = methods[method]!.params;
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

/** Serves every method of the DHCP contract; returns the unsubscribe functions. */
export function serveDhcpAgentContract(bus: Bus, handlers: DhcpAgentHandlers): Unsubscribe[] {
  return serveContract(bus, DHCP_AGENT_METHODS, handlers);
}

/** Serves every method of the L2 contract; returns the unsubscribe functions. */
export function serveL2AgentContract(
  bus: Bus,
  handlers: ContractHandlers<typeof L2_AGENT_METHODS>,
): Unsubscribe[] {
  return serveContract(bus, L2_AGENT_METHODS, handlers);
}

/** Serves every method of the L3 contract, with the same checks. */
export function serveL3AgentContract(bus: Bus, handlers: L3AgentHandlers): Unsubscribe[] {
  return serveContract(bus, L3_AGENT_METHODS, handlers);
}
