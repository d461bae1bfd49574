import { Value } from '@sinclair/typebox/value';
import type { Bus } from '../../bus/bus.js';
import {
  DHCP_AGENT_METHODS,
  type DhcpAgentMethod,
  type MethodParams,
  type MethodResult,
} from '../../bus/dhcp-agent-rpc.js';

/**
 * A call of the agent↔server contract failed: the transport, the server's handler, or a reply that does not
 * match the contract's schema. Always retryable from the agent's point of view (it schedules a resync).
 */
export class AgentRpcError extends Error {
  override readonly name = 'AgentRpcError';
  constructor(
    readonly method: DhcpAgentMethod,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

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
      let reply: unknown;
      try {
        reply = await bus.request(
          { schema: 'qdhcp.request', version: 1, method, params: params as Record<string, unknown> },
          { timeoutMs },
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new AgentRpcError(method, `${method} failed: ${reason}`, { cause: error });
      }
      const schema = DHCP_AGENT_METHODS[method].result;
      if (!Value.Check(schema, reply)) {
        const first = Value.Errors(schema, reply).First();
        throw new AgentRpcError(
          method,
          `${method}: reply does not match the contract at ${first?.path ?? '/'}: ${first?.message ?? '?'}`,
        );
      }
      return reply as MethodResult<M>;
    },
  };
}
