import type { Bus } from '../../bus/bus.js';
import { SECURITY_GROUP_METHODS, type SecurityGroupResult } from '../../bus/security-group-rpc.js';
import { requestChecked } from '../reconciler/agent-rpc.js';

/** The typed client side of `src/bus/security-group-rpc.ts` (the L2 role's groups of its ports). */
export interface SecurityGroupRpc {
  /** `knownMembers`: remote groups' members held here, by members revision (not sent again if unchanged). */
  info(
    host: string,
    portIds: readonly string[],
    knownMembers?: Readonly<Record<string, number>>,
  ): Promise<SecurityGroupResult<'securitygroups.info'>>;
}

/** The client over a bus; the reply is validated against the contract as every agent client's is. */
export function createSecurityGroupRpc(
  bus: Bus,
  options: { readonly timeoutMs?: number } = {},
): SecurityGroupRpc {
  const method = 'securitygroups.info';
  return {
    async info(host, portIds, knownMembers) {
      return (await requestChecked(
        bus,
        method,
        {
          host,
          portIds: [...portIds],
          ...(knownMembers !== undefined && { knownMembers: { ...knownMembers } }),
        },
        SECURITY_GROUP_METHODS[method].result,
        options.timeoutMs ?? 30_000,
      )) as SecurityGroupResult<'securitygroups.info'>;
    },
  };
}
