/**
 * A {@link RouterDataPlane} that also serves metadata in each router namespace (issue 13): after the Linux
 * side converges a router with interfaces, the agent's metadata listener is opened in its `qrouter-`
 * namespace (on the port the namespace's redirect names) for the router's tenant networks, updated when
 * they change, and closed before the namespace goes. One proxy, no process per router
 * (src/agent/metadata-proxy/router-metadata.ts). After a planned restart, opening adopts the listener the
 * running agent handed over; a router removed or with nothing to listen for lets its handed-over one go.
 *
 * @module
 */
import type { Logger } from '../../common/logger.js';
import type { RouterMetadata, RouterMetadataHandle } from '../metadata-proxy/router-metadata.js';
import type { RouterDataPlane, RouterSpec } from './router-spec.js';

export class MetadataRouterDataPlane implements RouterDataPlane {
  private readonly handles = new Map<string, RouterMetadataHandle>();

  constructor(
    private readonly inner: RouterDataPlane,
    private readonly metadata: RouterMetadata,
    /** The router's namespace name (`P` + `qrouter-<id>`). */
    private readonly namespaceOf: (routerId: string) => string,
    private readonly logger: Logger,
  ) {}

  async apply(spec: RouterSpec): Promise<void> {
    await this.inner.apply(spec);
    const networkIds = [...new Set(spec.interfaces.map((port) => port.networkId))].sort();
    const open = this.handles.get(spec.id);
    // An admin-down router is removed by the data plane: nothing to listen in.
    if (networkIds.length === 0 || !spec.adminStateUp) {
      await this.closeListener(spec.id);
      this.metadata.releaseHandedOver(this.namespaceOf(spec.id));
      return;
    }
    if (open !== undefined) {
      open.update(networkIds);
      return;
    }
    try {
      this.handles.set(
        spec.id,
        await this.metadata.openRouterMetadata(this.namespaceOf(spec.id), networkIds, { routerId: spec.id }),
      );
    } catch (error) {
      // Forwarding works without it; the next apply (event or resync) tries again.
      this.logger.warn(
        { event: 'router.metadata_failed', routerId: spec.id, err: error },
        'router metadata listener not opened',
      );
    }
  }

  async remove(routerId: string): Promise<void> {
    await this.closeListener(routerId);
    // A socket keeps its namespace alive after `ip netns del`: a handed-over one too.
    this.metadata.releaseHandedOver(this.namespaceOf(routerId));
    await this.inner.remove(routerId);
  }

  list(): Promise<readonly string[]> {
    return this.inner.list();
  }

  private async closeListener(routerId: string): Promise<void> {
    const handle = this.handles.get(routerId);
    if (handle === undefined) return;
    this.handles.delete(routerId);
    await handle.close();
  }
}
