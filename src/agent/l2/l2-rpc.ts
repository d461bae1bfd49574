import type { Bus } from '../../bus/bus.js';
import {
  L2_AGENT_METHODS,
  type L2AgentMethod,
  type L2MethodParams,
  type L2MethodResult,
} from '../../bus/l2-agent-rpc.js';
import { requestChecked } from '../reconciler/agent-rpc.js';

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
      return (await requestChecked(
        bus,
        method,
        params,
        L2_AGENT_METHODS[method].result,
        timeoutMs,
      )) as L2MethodResult<M>;
    },
  };
}
