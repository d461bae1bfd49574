/**
 * Who is asking: the caller's project and whether it has the admin role. Built at the HTTP edge from
 * the auth mode; services decide visibility and permissions from it.
 *
 * @module
 */

/** The caller of one request. */
export interface RequestContext {
  readonly projectId: string;
  readonly isAdmin: boolean;
}

/** The context of the server's own work (and of `noauth`, like Neutron's NoauthFakeProjectId). */
export const ADMIN_CONTEXT: RequestContext = { projectId: 'fake_project_id', isAdmin: true };

/** The project a list must be restricted to, or undefined for admins (who see everything). */
export function visibilityScope(context: RequestContext): string | undefined {
  return context.isAdmin ? undefined : context.projectId;
}
