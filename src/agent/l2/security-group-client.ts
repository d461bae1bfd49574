import { Value } from '@sinclair/typebox/value';
import type { Bus } from '../../bus/bus.js';
import { SECURITY_GROUP_METHODS, type SecurityGroupResult } from '../../bus/security-group-rpc.js';
import { errorText, isQdhcpError, QdhcpError } from '../../common/errors.js';

/** The typed client side of `src/bus/security-group-rpc.ts` (the L2 role's groups of its ports). */
export interface SecurityGroupRpc {
  info(host: string, portIds: readonly string[]): Promise<SecurityGroupResult<'securitygroups.info'>>;
}

/** The client over a bus; the reply is validated against the contract as the L2 client's is (l2-rpc.ts). */
export function createSecurityGroupRpc(
  bus: Bus,
  options: { readonly timeoutMs?: number } = {},
): SecurityGroupRpc {
  const method = 'securitygroups.info';
  return {
    async info(host, portIds) {
      let reply: unknown;
      try {
        reply = await bus.request(
          { schema: 'qdhcp.request', version: 1, method, params: { host, portIds: [...portIds] } },
          { timeoutMs: options.timeoutMs ?? 30_000 },
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
      const schema = SECURITY_GROUP_METHODS[method].result;
      if (!Value.Check(schema, reply)) {
        const first = Value.Errors(schema, reply).First();
        throw new QdhcpError('BUS_INVALID_REPLY', {
          method,
          reason: `does not match the contract at ${first?.path ?? '/'}: ${first?.message ?? '?'}`,
        });
      }
      return reply;
    },
  };
}
