/**
 * The composition root of the control plane: opens the database, creates the bus, the services and
 * the HTTP API, and wires them. The only place that builds these objects.
 *
 * @module
 */
import type { FastifyInstance } from 'fastify';
import { buildApi } from '../api/app.js';
import { type Bus, createInProcessBus, type ResourceEvent } from '../bus/index.js';
import type { ServerConfig } from '../common/config.js';
import type { Logger } from '../common/logger.js';
import { type Database, openDatabase } from '../db/index.js';
import { createNetworkService } from '../service/network-service.js';
import { createPortService } from '../service/port-service.js';
import { createSubnetService } from '../service/subnet-service.js';
import {
  DHCP_READY_METHOD,
  markDhcpReady,
  NETWORK_STATE_METHOD,
  readNetworkState,
} from '../service/sync-service.js';

/** A built control plane. `close()` may be called more than once. */
export interface ControlPlane {
  readonly config: ServerConfig;
  readonly api: FastifyInstance;
  readonly database: Database;
  readonly bus: Bus;
  close(): Promise<void>;
}

/** Builds (does not listen) the control plane from its configuration. */
export async function buildControlPlane(
  config: ServerConfig,
  options: { logger?: Logger; bus?: Bus } = {},
): Promise<ControlPlane> {
  const database = await openDatabase(config.databaseUrl, config.stateDir);
  const logger = options.logger;
  const bus =
    options.bus ??
    createInProcessBus({
      onHandlerError: (error, event) =>
        logger?.error(
          { err: error, schema: event.schema, networkId: event.networkId },
          'bus subscriber failed',
        ),
    });
  const deps = {
    database,
    bus,
    config,
    clock: () => new Date(),
    onPublishError: (error: unknown, event: ResourceEvent) =>
      logger?.error({ err: error, resource: event.resource, id: event.id }, 'event not published'),
  };
  const api = buildApi({
    config,
    networks: createNetworkService(deps),
    subnets: createSubnetService(deps),
    ports: createPortService(deps),
    ...(logger && { logger }),
  });
  const served = [
    bus.serve(NETWORK_STATE_METHOD, async (params) => {
      const networkId = params['networkId'];
      if (typeof networkId !== 'string') throw new Error('network.state needs a networkId');
      return readNetworkState(database, config, networkId);
    }),
    bus.serve(DHCP_READY_METHOD, async (params) => {
      const portIds = params['portIds'];
      if (!Array.isArray(portIds) || !portIds.every((id) => typeof id === 'string')) {
        throw new Error('ports.dhcp_ready needs portIds: string[]');
      }
      return { activated: await markDhcpReady(deps, portIds) };
    }),
  ];
  let closing: Promise<void> | undefined;
  return {
    config,
    api,
    database,
    bus,
    close() {
      closing ??= (async () => {
        await api.close();
        for (const unserve of served) unserve();
        // A bus handed in belongs to the process (other components may still use it).
        if (options.bus === undefined) await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}

/**
 * Builds the control plane on the process's bus and listens on `config.bind`; resolves once
 * listening. Closing it leaves the bus to its owner.
 */
export async function startServer(context: {
  readonly config: ServerConfig;
  readonly logger: Logger;
  readonly bus: Bus;
}): Promise<ControlPlane> {
  const { config, logger } = context;
  const plane = await buildControlPlane(config, { logger, bus: context.bus });
  let address: string;
  try {
    address = await plane.api.listen({ host: config.bind.host, port: config.bind.port });
  } catch (error) {
    await plane.close();
    throw error;
  }
  logger.info({ address, database: plane.database.kind }, 'qdhcp server listening');
  return plane;
}
