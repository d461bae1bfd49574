import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { GetInstanceResult } from '../../bus/dhcp-agent-rpc.js';
import type { MetadataContext } from '../../metadata/instance.js';
import { metadataAnswer } from '../../metadata/metadata-tree.js';
import { createNovaBackend, type NovaBackendOptions } from '../../metadata/nova-backend.js';
import { NOT_FOUND } from '../../metadata/response.js';
import type { CallerScope } from './caller-scope.js';
import { findAmong, type InstanceLookup } from './instance-lookup.js';
import type { LocalInstances } from './local-instances.js';
import { RenderedAnswers } from './rendered-answers.js';

/**
 * One metadata request as the proxy hands it to a backend. Only what the kernel says identifies the
 * caller (the listener's scope: a DHCP namespace's network or a router's networks, caller-scope.ts; the
 * TCP peer); no client header is passed on.
 */
export interface ProxiedRequest extends CallerScope {
  readonly remoteAddress: string;
  readonly method: string;
  /** Path and query as sent (`/openstack/latest/meta_data.json?x=1`). */
  readonly path: string;
  readonly body: Uint8Array | undefined;
  readonly contentType: string | undefined;
}

export interface ProxyAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Uint8Array;
}

/** The values of option `metadata_backend` (docs/metadata.md). */
export const METADATA_BACKENDS = ['builtin', 'nova', 'nova-local', 'neutron-agent'] as const;
export type MetadataBackendName = (typeof METADATA_BACKENDS)[number];

/** Who answers metadata requests behind the namespace proxy (option `metadata_backend`). */
export interface MetadataBackend {
  readonly name: MetadataBackendName;
  /** Methods served; others get 405. */
  readonly methods: ReadonlySet<string>;
  answer(request: ProxiedRequest): Promise<ProxyAnswer>;
  /**
   * The answer when it is at hand without waiting (the builtin backend with a settled, fresh
   * identification), else undefined and the caller uses {@link answer}: the fast path then answers in the
   * same turn of the event loop, without the promises and microtasks of the async path (fast-path.ts).
   */
  answerAtOnce?(request: ProxiedRequest): ProxyAnswer | undefined;
}

type InstanceContext = NonNullable<GetInstanceResult['context']>;

/** Neutron's `ipv6_address_mode` of a subnet the agent holds, for a server that does not send it. */
export type Ipv6ModeSource = (subnetId: string) => string | null | undefined;

type PortView = InstanceContext['requestPort'];

/** `port` with each IPv6 subnet's address mode filled from `modes` where the server left it out. */
function withIpv6Modes(port: PortView, modes: Ipv6ModeSource | undefined): PortView {
  if (modes === undefined) return port;
  return {
    ...port,
    fixedIps: port.fixedIps.map((fixed) =>
      fixed.subnet.ipVersion !== 6 || fixed.subnet.ipv6AddressMode !== undefined
        ? fixed
        : { ...fixed, subnet: { ...fixed.subnet, ipv6AddressMode: modes(fixed.subnet.id) ?? null } },
    ),
  };
}

/** The server's context (user data base64) as the trees' input, for one request address. */
export function metadataContextOf(
  context: InstanceContext,
  requestIp: string,
  randomBytes: (length: number) => Uint8Array,
  ipv6Modes?: Ipv6ModeSource,
): MetadataContext {
  const { userDataBase64, ...instance } = context.instance;
  return {
    instance: {
      ...instance,
      userData: userDataBase64 === null ? undefined : new Uint8Array(Buffer.from(userDataBase64, 'base64')),
    },
    requestPort: withIpv6Modes(context.requestPort, ipv6Modes),
    requestIp,
    ports: context.ports.map((port) => withIpv6Modes(port, ipv6Modes)),
    domain: context.domain,
    randomBytes,
  };
}

/**
 * `builtin`: qdhcp's own instance records (`/v2.0/qdhcp/instances`), served from the EC2 and OpenStack
 * trees. GET and HEAD only. No record for the caller → 404. Answers are rendered once per lookup answer
 * (rendered-answers.ts).
 */
export function createBuiltinBackend(
  lookup: InstanceLookup,
  randomBytes: (length: number) => Uint8Array = (length) => new Uint8Array(cryptoRandomBytes(length)),
  ipv6Modes?: Ipv6ModeSource,
): MetadataBackend {
  const rendered = new RenderedAnswers();
  const answerFor = (result: GetInstanceResult, request: ProxiedRequest): ProxyAnswer => {
    const { context } = result;
    if (context === null) return NOT_FOUND;
    // The answer depends on the request address too (local-ipv4), which is part of the lookup's key.
    return rendered.answer(result, request.path, () =>
      metadataAnswer(metadataContextOf(context, request.remoteAddress, randomBytes, ipv6Modes), request.path),
    );
  };
  return {
    name: 'builtin',
    methods: new Set(['GET', 'HEAD']),
    async answer(request) {
      const { result } = await findAmong(lookup, request.networkIds, request.remoteAddress);
      return answerFor(result, request);
    },
    answerAtOnce(request) {
      // One network (a DHCP namespace's scope); a router's several go through findAmong.
      const [networkId, ...others] = request.networkIds;
      if (networkId === undefined || others.length > 0 || lookup.settled === undefined) return undefined;
      const result = lookup.settled(networkId, request.remoteAddress);
      return result === undefined ? undefined : answerFor(result, request);
    },
  };
}

/**
 * `nova`: forwards to a Nova metadata API with X-Instance-ID, X-Tenant-ID, X-Forwarded-For (the TCP peer)
 * and the signature, as Neutron's metadata agent (spec §6.3). Unknown caller → 404 without asking Nova.
 * Nova's 404 after a cached identification → identify again without the cache and retry once.
 */
export function createNovaProxyBackend(lookup: InstanceLookup, options: NovaBackendOptions): MetadataBackend {
  const forward = createNovaBackend(options);
  const attempt = async (request: ProxiedRequest, fresh: boolean) => {
    const { result, cached } = await findAmong(lookup, request.networkIds, request.remoteAddress, { fresh });
    if (result.identity === null) return { answer: NOT_FOUND, cached };
    const answer = await forward({
      instanceId: result.identity.instanceId,
      projectId: result.identity.projectId,
      remoteAddress: request.remoteAddress,
      method: request.method,
      path: request.path,
      body: request.body,
      contentType: request.contentType,
    });
    return { answer, cached };
  };
  return {
    name: 'nova',
    // Nova's metadata API takes POST too (the instance password).
    methods: new Set(['GET', 'HEAD', 'POST']),
    async answer(request) {
      const first = await attempt(request, false);
      if (first.answer.status !== 404 || !first.cached) return first.answer;
      return (await attempt(request, true)).answer;
    },
  };
}

/**
 * `nova-local`: as `nova`, but the caller is found in the ports the agent already holds (the one port with
 * that address on the network gives device_id and project) instead of asking the server — what a qdhcp
 * agent beside a real neutron-server does when it signs to Nova itself rather than going through
 * neutron-metadata-agent. Unknown caller → 404 without asking Nova.
 */
export function createNovaLocalBackend(
  instances: Pick<LocalInstances, 'identifyAmong'>,
  options: NovaBackendOptions,
): MetadataBackend {
  const forward = createNovaBackend(options);
  return {
    name: 'nova-local',
    methods: new Set(['GET', 'HEAD', 'POST']),
    async answer(request) {
      const identity = instances.identifyAmong(request.networkIds, request.remoteAddress);
      if (identity === null) return NOT_FOUND;
      return forward({
        ...identity,
        remoteAddress: request.remoteAddress,
        method: request.method,
        path: request.path,
        body: request.body,
        contentType: request.contentType,
      });
    },
  };
}
