/**
 * Serves the DHCP agent contract (`src/bus/dhcp-agent-rpc.ts`) on the bus: every request's params are
 * checked against the method's schema before the use-case runs (inputs validated at the edge), and a
 * bad request is a clear error for the caller.
 *
 * @module
 */
import { Value } from '@sinclair/typebox/value';
import {
  DHCP_AGENT_METHODS,
  type DhcpAgentMethod,
  type MethodParams,
  type MethodResult,
} from '../bus/dhcp-agent-rpc.js';
import type { Bus, Unsubscribe } from '../bus/index.js';
import { QdhcpError } from '../common/errors.js';

/** One handler per contract method. */
export type DhcpAgentHandlers = {
  readonly [M in DhcpAgentMethod]: (params: MethodParams<M>) => Promise<MethodResult<M>>;
};

/** Serves every method of the contract; returns the unsubscribe functions. */
export function serveDhcpAgentContract(bus: Bus, handlers: DhcpAgentHandlers): Unsubscribe[] {
  return (Object.keys(DHCP_AGENT_METHODS) as DhcpAgentMethod[]).map((method) =>
    bus.serve(method, async (params) => {
      const schema = DHCP_AGENT_METHODS[method].params;
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
