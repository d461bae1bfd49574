/**
 * Instance records of the builtin metadata service (`/v2.0/qdhcp/instances`, issue 5): create, list,
 * show, update, delete. An instance owns its ports through their `device_id`: attaching and releasing
 * ports goes through the port update path in the same transaction, so agents get the usual
 * `port.updated` events.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { type Static, Type } from '@sinclair/typebox';
import { ec2InstanceId } from '../common/ec2-id.js';
import { QdhcpError } from '../common/errors.js';
import {
  type EqualsFilter,
  type InstanceRecord,
  instancesRepository,
  networksRepository,
  portsRepository,
} from '../db/index.js';
import { formatTimestamp } from './clock.js';
import { type RequestContext, visibilityScope } from './context.js';
import { checkRevision, ownerProject, visibleOr404 } from './policy.js';
import type { PortService } from './port-service.js';
import { runMutation, type UnitOfWorkDeps, type WriteScope } from './unit-of-work.js';

/** The owner a port gets when an instance takes it with no owner set (Nova sets `compute:<zone>`). */
export const INSTANCE_DEVICE_OWNER = 'compute:qdhcp';

/** Nova's default availability zone. */
export const DEFAULT_AVAILABILITY_ZONE = 'nova';

/** Create/update attributes after the edge validated them (user data: canonical base64 or null). */
export interface InstanceInput {
  readonly project_id?: string;
  readonly name?: string;
  readonly hostname?: string;
  readonly ports?: readonly string[];
  readonly public_keys?: Readonly<Record<string, string>>;
  readonly user_data?: string | null;
  readonly metadata?: Readonly<Record<string, string>>;
  readonly availability_zone?: string;
}

/** An instance as the API returns it. */
export const InstanceView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  hostname: Type.String(),
  project_id: Type.String(),
  tenant_id: Type.String(),
  availability_zone: Type.String(),
  ports: Type.Array(Type.String()),
  public_keys: Type.Record(Type.String(), Type.String()),
  user_data: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Record(Type.String(), Type.String()),
  launch_index: Type.Integer(),
  /** What the metadata service serves as `meta-data/instance-id` (`i-%08x`, Nova's form). */
  ec2_instance_id: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  revision_number: Type.Integer(),
});
export type InstanceView = Static<typeof InstanceView>;

export function instanceView(record: InstanceRecord, portIds: readonly string[]): InstanceView {
  return {
    id: record.id,
    name: record.name,
    hostname: record.hostname,
    project_id: record.projectId,
    tenant_id: record.projectId,
    availability_zone: record.availabilityZone,
    ports: [...portIds],
    public_keys: { ...record.publicKeys },
    user_data: record.userDataBase64,
    metadata: { ...record.metadata },
    launch_index: record.launchIndex,
    ec2_instance_id: ec2InstanceId(record.ec2Id),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    revision_number: record.revisionNumber,
  };
}

const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** True when `text` is one DNS label (RFC 1123: letters, digits, inner hyphens, 1–63 characters). */
export function isDnsLabel(text: string): boolean {
  return DNS_LABEL.test(text);
}

/**
 * The host name Nova derives from a display name (`nova.utils.sanitize_hostname`): spaces, `_` and `.`
 * become `-`, other characters outside `[A-Za-z0-9-]` are dropped, lower case, at most 63 characters,
 * no leading or trailing `-`. A name with nothing usable left gives `server-<id>` (Nova's default).
 */
export function hostnameFromName(name: string, instanceId: string): string {
  const sanitised = name
    .replace(/[ _.]/g, '-')
    .replace(/[^A-Za-z0-9-]+/g, '')
    .toLowerCase()
    .slice(0, 63)
    .replace(/^-+|-+$/g, '');
  return sanitised === '' ? `server-${instanceId}`.slice(0, 63) : sanitised;
}

function instanceNotFound(id: string): QdhcpError {
  return new QdhcpError('INSTANCE_NOT_FOUND', { instance_id: id });
}

/** What the instance service needs: the unit of work, and the port update path it reuses. */
export interface InstanceServiceDeps extends UnitOfWorkDeps {
  readonly ports: PortService;
}

/** Instance use-cases. */
export function createInstanceService(deps: InstanceServiceDeps) {
  const { database, ports } = deps;
  const forUpdate = database.kind === 'postgres';

  const visible = (context: RequestContext, id: string, record: InstanceRecord | undefined) =>
    visibleOr404(context, record, () => instanceNotFound(id));

  async function portIdsOf(scope: Pick<WriteScope, 'tx'>, record: InstanceRecord): Promise<string[]> {
    return (await instancesRepository.portIdsOf(scope.tx, [record])).get(record.id) ?? [];
  }

  /**
   * Gives the port to the instance. The port's network is locked first, so two instances racing for one
   * port run one after the other and the second sees the first's device_id (409).
   */
  async function attach(
    scope: WriteScope,
    context: RequestContext,
    instance: InstanceRecord,
    portId: string,
  ) {
    const before = await portsRepository.get(scope.tx, portId);
    if (!before) throw new QdhcpError('PORT_NOT_FOUND', { port_id: portId });
    await scope.lockNetwork(before.networkId);
    const port = await portsRepository.get(scope.tx, portId);
    if (!port) throw new QdhcpError('PORT_NOT_FOUND', { port_id: portId });
    // The port visibility rule (own ports, and every port of the caller's networks): hidden is 404.
    if (!context.isAdmin && port.projectId !== context.projectId) {
      const network = await networksRepository.get(scope.tx, port.networkId);
      if (network?.projectId !== context.projectId)
        throw new QdhcpError('PORT_NOT_FOUND', { port_id: portId });
    }
    if (port.deviceId === instance.id) return;
    if (port.deviceId !== '') {
      throw new QdhcpError('PORT_IN_USE', {
        port_id: portId,
        net_id: port.networkId,
        device_id: port.deviceId,
      });
    }
    if (port.deviceOwner.startsWith('network:')) {
      throw new QdhcpError('UNSUPPORTED_PORT_DEVICE_OWNER', {
        op: 'instance attach',
        port_id: portId,
        device_owner: port.deviceOwner,
      });
    }
    // Metadata identifies callers by port project and instance project together: they must match.
    if (port.projectId !== instance.projectId) {
      throw new QdhcpError('PORT_NOT_USABLE', {
        port_id: portId,
        instance: instance.id,
        reason: `the port belongs to project ${port.projectId}, the instance to ${instance.projectId}`,
      });
    }
    await ports.updateWithin(scope, context, portId, {
      device_id: instance.id,
      ...(port.deviceOwner === '' && { device_owner: INSTANCE_DEVICE_OWNER }),
    });
  }

  /** Gives the port back: no device, and no owner if the instance had set it. */
  async function release(scope: WriteScope, context: RequestContext, portId: string) {
    const port = await portsRepository.get(scope.tx, portId);
    if (!port) return;
    await ports.updateWithin(scope, context, portId, {
      device_id: '',
      ...(port.deviceOwner === INSTANCE_DEVICE_OWNER && { device_owner: '' }),
    });
  }

  async function createOne(
    scope: WriteScope,
    context: RequestContext,
    input: InstanceInput,
    launchIndex: number,
  ): Promise<InstanceView> {
    const id = randomUUID();
    const name = input.name ?? '';
    const now = formatTimestamp(deps.clock());
    const record: InstanceRecord = {
      id,
      projectId: ownerProject(context, input.project_id),
      name,
      hostname: input.hostname ?? hostnameFromName(name, id),
      availabilityZone: input.availability_zone ?? DEFAULT_AVAILABILITY_ZONE,
      publicKeys: input.public_keys ?? {},
      userDataBase64: input.user_data ?? null,
      metadata: input.metadata ?? {},
      launchIndex,
      ec2Id: await instancesRepository.nextEc2Id(scope.tx),
      createdAt: now,
      updatedAt: now,
      revisionNumber: 1,
    };
    await instancesRepository.insert(scope.tx, record);
    for (const portId of input.ports ?? []) await attach(scope, context, record, portId);
    return instanceView(record, await portIdsOf(scope, record));
  }

  return {
    /** Creates the instances (one request may carry several: all or nothing; `launch_index` = position). */
    async create(context: RequestContext, inputs: readonly InstanceInput[]): Promise<InstanceView[]> {
      return runMutation(deps, async (scope) => {
        const views: InstanceView[] = [];
        for (const [index, input] of inputs.entries())
          views.push(await createOne(scope, context, input, index));
        return views;
      });
    },

    async list(context: RequestContext, equals: EqualsFilter): Promise<InstanceView[]> {
      const scope = visibilityScope(context);
      const records = await instancesRepository.list(database.db, {
        equals,
        ...(scope !== undefined && { project: scope }),
      });
      const portIds = await instancesRepository.portIdsOf(database.db, records);
      return records.map((r) => instanceView(r, portIds.get(r.id) ?? []));
    },

    async get(context: RequestContext, id: string): Promise<InstanceView> {
      const record = visible(context, id, await instancesRepository.get(database.db, id));
      return instanceView(record, await portIdsOf({ tx: database.db }, record));
    },

    /** Changes name, hostname, keys, user data, metadata; `ports` replaces the instance's set of ports. */
    async update(
      context: RequestContext,
      id: string,
      input: InstanceInput,
      ifMatch?: number,
    ): Promise<InstanceView> {
      return runMutation(deps, async (scope) => {
        const current = visible(context, id, await instancesRepository.lock(scope.tx, id, forUpdate));
        checkRevision(current.revisionNumber, ifMatch);
        const updated: InstanceRecord = {
          ...current,
          ...(input.name !== undefined && { name: input.name }),
          ...(input.hostname !== undefined && { hostname: input.hostname }),
          ...(input.public_keys !== undefined && { publicKeys: input.public_keys }),
          ...(input.user_data !== undefined && { userDataBase64: input.user_data }),
          ...(input.metadata !== undefined && { metadata: input.metadata }),
          updatedAt: formatTimestamp(deps.clock()),
          revisionNumber: current.revisionNumber + 1,
        };
        await instancesRepository.update(scope.tx, updated);
        if (input.ports !== undefined) {
          const wanted = new Set(input.ports);
          const held = await portIdsOf(scope, current);
          for (const portId of held) if (!wanted.has(portId)) await release(scope, context, portId);
          for (const portId of input.ports) await attach(scope, context, updated, portId);
        }
        return instanceView(updated, await portIdsOf(scope, updated));
      });
    },

    /** Deletes the record; its ports stay, with `device_id` cleared. */
    async delete(context: RequestContext, id: string, ifMatch?: number): Promise<void> {
      await runMutation(deps, async (scope) => {
        const current = visible(context, id, await instancesRepository.lock(scope.tx, id, forUpdate));
        checkRevision(current.revisionNumber, ifMatch);
        for (const portId of await portIdsOf(scope, current)) await release(scope, context, portId);
        await instancesRepository.delete(scope.tx, id);
      });
    },
  };
}

/** The instance use-cases, as built by {@link createInstanceService}. */
export type InstanceService = ReturnType<typeof createInstanceService>;
