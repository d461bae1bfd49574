/**
 * Who the caller is, per auth mode. `noauth` (default, for loopback) makes every request admin of
 * `fake_project_id` like Neutron's NoauthFakeProjectId, unless the request names a project with
 * `X-Project-Id` (then it acts as that project, admin only with `X-Roles: admin`). `token` looks the
 * `X-Auth-Token` header up among the configured static tokens; anything else is 401.
 *
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { ServerConfig } from '../common/config.js';
import { QdhcpError } from '../common/errors.js';
import { ADMIN_CONTEXT, type RequestContext } from '../service/context.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Builds the request context from headers, or throws 401. */
export function authenticate(
  config: Pick<ServerConfig, 'authStrategy' | 'staticTokens'>,
  headers: IncomingHttpHeaders,
): RequestContext {
  if (config.authStrategy === 'noauth') {
    const project = header(headers, 'x-project-id');
    if (project === undefined || project === '') return ADMIN_CONTEXT;
    const roles = (header(headers, 'x-roles') ?? '').split(',').map((r) => r.trim());
    return { projectId: project, isAdmin: roles.includes('admin') };
  }
  const token = header(headers, 'x-auth-token');
  const grant = token === undefined ? undefined : config.staticTokens.find((t) => t.token === token);
  if (!grant) throw new QdhcpError('UNAUTHORIZED');
  return { projectId: grant.projectId, isAdmin: grant.admin };
}
