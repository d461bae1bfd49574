import { Value } from '@sinclair/typebox/value';
import type { Bus } from '../../bus/bus.js';
import {
  L2_AGENT_METHODS,
  type L2AgentMethod,
  type L2MethodParams,
  type L2MethodResult,
} from '../../bus/l2-agent-rpc.js';
import { errorText, isQdhcpError, QdhcpError } from '../../common/errors.js';

/** The typed client side of `src/bus/l2-agent-rpc.ts`. */
export interface L2Rpc {
  call<M extends L2AgentMethod>(method: M, params: L2MethodParams<M>): Promise<L2MethodResult<M>>;
}

/**
 * The client over a bus; replies are validated against the contract's result schema as the DHCP
 * contract's are (src/agent/reconciler/agent-rpc.ts), so the L2 role only sees well-formed ports.
 */
export function createL2Rpc(bus: Bus, options: { readonly timeoutMs?: number } = {}): L2Rpc {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async call<M extends L2AgentMethod>(method: M, params: L2MethodParams<M>): Promise<L2MethodResult<M>> {
      let reply: unknown;
      try {
        reply = await bus.request(
          { schema: 'qdhcp.request', version: 1, method, params: params as Record<string, unknown> },
          { timeoutMs },
        );
      } catch (error) {
        const reason = errorText(error);
        if (!isQdhcpError(error))
          throw new QdhcpError('BUS_REQUEST_FAILED', { method, reason }, { cause: error });
        throw new QdhcpError(error.code, error.params, {
          message: `${method} failed: ${reason}`,
          cause: error,
        });
      }
      const schema = L2_AGENT_METHODS[method].result;
      if (!Value.Check(schema, reply)) {
        const first = Value.Errors(schema, reply).First();
        throw new QdhcpError('BUS_INVALID_REPLY', {
          method,
          reason: `does not match the contract at ${first?.path ?? '/'}: ${first?.message ?? '?'}`,
        });
      }
      return reply as L2MethodResult<M>;
    },
  };
}
