import type { GetInstanceResult } from '../../bus/dhcp-agent-rpc.js';
import type { AgentRpc } from '../reconciler/agent-rpc.js';
import { onlyMatch } from './caller-scope.js';

/** Who is behind (network, source address): the server's answer plus whether it came from the cache. */
export interface LookupAnswer {
  readonly result: GetInstanceResult;
  readonly cached: boolean;
}

/**
 * Identifies the caller of a metadata request through the server (`metadata.get_instance`): the proxy
 * passes only what the kernel told it — the namespace's network and the TCP peer address.
 */
export interface InstanceLookup {
  /** `fresh` bypasses the cache (after Nova answered 404, spec §6.3 step 7). */
  find(networkId: string, ipAddress: string, options?: { readonly fresh?: boolean }): Promise<LookupAnswer>;
  /** What {@link find} would answer from its cache at once (settled and fresh), else undefined. */
  settled?(networkId: string, ipAddress: string): GetInstanceResult | undefined;
}

export interface InstanceLookupOptions {
  readonly host: string;
  /** How long an answer is reused (default 1 s; 0 = no cache). Concurrent asks share one call anyway. */
  readonly ttlMs?: number;
  /** Entries kept at most (default 10,000); expired ones are dropped first. */
  readonly maxEntries?: number;
  /**
   * How long one answer object may stand for an unchanged server answer (default 15 s, Nova's
   * `metadata_cache_expiration`): see {@link createInstanceLookup}.
   */
  readonly revisionMs?: number;
  readonly now?: () => number;
}

interface Entry {
  readonly at: number;
  readonly answer: Promise<GetInstanceResult>;
  /** The answer once settled: what the next call for this key compares its own with. */
  revision?: Revision;
}

interface Revision {
  readonly result: GetInstanceResult;
  readonly text: string;
  /** When this object first stood for the answer. */
  readonly since: number;
}

/**
 * A lookup with a short cache: a crawler such as cloud-init makes dozens of requests in a row, and 200 at
 * once from one instance become one bus call. Failures are not cached (the next request asks again).
 *
 * After the TTL the server is asked again, and when its answer is the same as before (same JSON) the
 * previous answer *object* is returned, for up to `revisionMs` from its first use: the rendered answers and
 * their bytes are cached per answer object (rendered-answers.ts, answer-bytes.ts), so an instance that keeps
 * asking (a boot's 10–20 paths over several seconds, cloud-init's crawl) is not re-rendered every second
 * (docs/performance.md "Issue 17, item 2, round 3"). Any change in the server's answer is seen after the
 * TTL as before; what lives longer is only `random_seed`, as from Nova, which caches 15 s.
 */
export function createInstanceLookup(rpc: AgentRpc, options: InstanceLookupOptions): InstanceLookup {
  const ttlMs = options.ttlMs ?? 1000;
  const revisionMs = options.revisionMs ?? 15_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();

  const prune = (at: number) => {
    for (const [key, entry] of entries) if (at - entry.at >= ttlMs) entries.delete(key);
    // Still full (a burst of distinct sources): drop the oldest, Map keeps insertion order.
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      entries.delete(key);
    }
  };

  return {
    settled(networkId, ipAddress) {
      const entry = entries.get(`${networkId} ${ipAddress}`);
      return entry !== undefined && now() - entry.at < ttlMs ? entry.revision?.result : undefined;
    },
    async find(networkId, ipAddress, findOptions = {}) {
      const key = `${networkId} ${ipAddress}`;
      const at = now();
      const existing = entries.get(key);
      if (!findOptions.fresh && existing !== undefined && at - existing.at < ttlMs) {
        return { result: await existing.answer, cached: true };
      }
      const previous = existing?.revision;
      const entry: Entry = {
        at,
        answer: rpc
          .call('metadata.get_instance', { host: options.host, networkId, ipAddress })
          .then((result) => {
            const text = JSON.stringify(result);
            const same = previous !== undefined && previous.text === text && at - previous.since < revisionMs;
            entry.revision = same ? previous : { result, text, since: at };
            return entry.revision.result;
          }),
      };
      const { answer } = entry;
      if (ttlMs > 0) {
        if (entries.size >= maxEntries) prune(at);
        entries.set(key, entry);
        answer.catch(() => {
          if (entries.get(key)?.answer === answer) entries.delete(key);
        });
      }
      return { result: await answer, cached: false };
    },
  };
}

/** What the server answers for an address nobody (or more than one instance) holds. */
const NOBODY: GetInstanceResult = Object.freeze({ identity: null, context: null });

/**
 * {@link InstanceLookup.find} over the networks of a caller scope (caller-scope.ts): one network is one
 * lookup; a router's networks are asked at once (each answer cached as for its own DHCP namespace) and the
 * caller is the one match among them, nobody when none or several match.
 */
export async function findAmong(
  lookup: InstanceLookup,
  networkIds: readonly string[],
  ipAddress: string,
  options?: { readonly fresh?: boolean },
): Promise<LookupAnswer> {
  if (networkIds.length === 1 && networkIds[0] !== undefined)
    return lookup.find(networkIds[0], ipAddress, options);
  const answers = await Promise.all(
    networkIds.map((networkId) => lookup.find(networkId, ipAddress, options)),
  );
  const match = onlyMatch(
    answers.map((answer) =>
      answer.result.identity === null && answer.result.context === null ? null : answer,
    ),
  );
  return match ?? { result: NOBODY, cached: answers.every((answer) => answer.cached) };
}
