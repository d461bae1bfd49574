/**
 * The typed client side of `src/bus/l3-agent-rpc.ts` (the L3 role's calls), as `reconciler/agent-rpc.ts`
 * is for the DHCP contract: replies are checked against the contract's result schema, so the router
 * reconciler only ever sees well-formed routers.
 *
 * @module
 */
import type { Bus } from '../../bus/bus.js';
import {
  L3_AGENT_METHODS,
  type L3AgentMethod,
  type L3MethodParams,
  type L3MethodResult,
} from '../../bus/l3-agent-rpc.js';
import { requestChecked } from '../reconciler/agent-rpc.js';

/** The L3 role's calls to the control plane. */
export interface L3Rpc {
  call<M extends L3AgentMethod>(method: M, params: L3MethodParams<M>): Promise<L3MethodResult<M>>;
}

/** Builds the client over a bus (qdhcp's control plane only: the L3 role has no Neutron mode). */
export function createL3Rpc(bus: Bus, options: { readonly timeoutMs?: number } = {}): L3Rpc {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async call<M extends L3AgentMethod>(method: M, params: L3MethodParams<M>): Promise<L3MethodResult<M>> {
      return (await requestChecked(
        bus,
        method,
        params,
        L3_AGENT_METHODS[method].result,
        timeoutMs,
      )) as L3MethodResult<M>;
    },
  };
}
