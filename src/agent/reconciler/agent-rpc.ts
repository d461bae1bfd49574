import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Bus } from '../../bus/bus.js';
import {
  DHCP_AGENT_METHODS,
  type DhcpAgentMethod,
  type MethodParams,
  type MethodResult,
} from '../../bus/dhcp-agent-rpc.js';
import { errorText, isQdhcpError, QdhcpError } from '../../common/errors.js';

/** The typed client side of `src/bus/dhcp-agent-rpc.ts`. */
export interface AgentRpc {
  call<M extends DhcpAgentMethod>(method: M, params: MethodParams<M>): Promise<MethodResult<M>>;
}

/**
 * Builds the client over a bus. Replies are validated against the contract's result schema, so the rest of
 * the agent only ever sees well-formed networks and ports (STYLE 7.2 #8).
 */
export function createAgentRpc(bus: Bus, options: { readonly timeoutMs?: number } = {}): AgentRpc {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async call<M extends DhcpAgentMethod>(method: M, params: MethodParams<M>): Promise<MethodResult<M>> {
      return (await requestChecked(
        bus,
        method,
        params,
        DHCP_AGENT_METHODS[method].result,
        timeoutMs,
      )) as MethodResult<M>;
    },
  };
}

/**
 * One contract call over the bus, for every agent contract's client (DHCP here, L2 in src/agent/l2/l2-rpc.ts,
 * L3 in src/agent/router/l3-rpc.ts): the reply is checked against the method's `result` schema, so the
 * roles only ever see well-formed data.
 */
export async function requestChecked(
  bus: Bus,
  method: string,
  params: object,
  result: TSchema,
  timeoutMs: number,
): Promise<unknown> {
  let reply: unknown;
  try {
    reply = await bus.request(
      { schema: 'qdhcp.request', version: 1, method, params: params as Record<string, unknown> },
      { timeoutMs },
    );
  } catch (error) {
    // The server's (or the bus's) code travels on, so the reconciler's retry decision reads the
    // catalog's `retryable` of what actually failed (e.g. no free address: not retryable).
    const reason = errorText(error);
    if (!isQdhcpError(error))
      throw new QdhcpError('BUS_REQUEST_FAILED', { method, reason }, { cause: error });
    throw new QdhcpError(error.code, error.params, { message: `${method} failed: ${reason}`, cause: error });
  }
  if (!Value.Check(result, reply)) {
    const first = Value.Errors(result, reply).First();
    throw new QdhcpError('BUS_INVALID_REPLY', {
      method,
      reason: `does not match the contract at ${first?.path ?? '/'}: ${first?.message ?? '?'}`,
    });
  }
  return reply;
}
