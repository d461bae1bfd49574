import { decodeOptionValue, encodeOption } from '../../dhcp/option-values.js';
import { bootFields, hasBootOptions, NUL_TERMINATED } from '../boot-fields.js';
import { matchedTags } from '../client-match.js';
import type { HostBinding } from '../host-binding.js';
import { renewalTimes } from '../lease-time.js';
import { type OptionSetting, selectOptions } from '../option-setting.js';
import { OPTION, readParameterRequestList } from '../request-fields.js';
import { CONTINUE, type Exchange, type ServedSubnet, type Stage } from '../types.js';

/** An option the reply may carry, and whether it goes out even when not requested. */
interface Candidate {
  readonly value: Uint8Array;
  readonly always: boolean;
}

/** Codes the engine owns: a configured value for them is ignored (dnsmasq prohibits them too). */
const ENGINE_OWNED = new Set<number>([0, 50, 51, 52, 53, 54, 55, 57, 61, 82, 255]);

/** Options whose empty value means "do not send the default" (spec §5.5: `option:router` alone). */
const SUPPRESSED_WHEN_EMPTY = new Set<number>([
  OPTION.subnetMask,
  OPTION.broadcast,
  OPTION.router,
  OPTION.dnsServer,
]);

/**
 * Tags that select options for this client: the subnet's range tag, the host's `set:` tags, `known`, the
 * interface name, and what the request itself matches (`--dhcp-match`, `--dhcp-userclass`).
 */
export function clientTags(exchange: Exchange, matched = requestTags(exchange)): Set<string> {
  const tags = new Set<string>(matched);
  if (exchange.subnet?.tag !== undefined) tags.add(exchange.subnet.tag);
  if (exchange.host !== undefined) {
    for (const tag of exchange.host.tags) tags.add(tag);
    tags.add('known');
  }
  tags.add(exchange.config.interfaceName);
  return tags;
}

const NO_TAGS: readonly string[] = Object.freeze([]);

/** The tags the request itself sets (`--dhcp-match`, `--dhcp-userclass`), in match order. */
function requestTags(exchange: Exchange): readonly string[] {
  const matches = exchange.config.clientMatches;
  return matches.length === 0 ? NO_TAGS : matchedTags(exchange.request, matches);
}

/** The short host name (option 12 carries no domain; the domain goes in 15). */
function shortName(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const dot = name.indexOf('.');
  const short = dot === -1 ? name : name.slice(0, dot);
  return short.length === 0 ? undefined : short;
}

/** A host's candidates and selected options, valid while the tables, config and subnet are the same. */
interface Memo {
  /** The request's own tags it was computed for, joined by spaces (usually none: ''). */
  readonly matched: string;
  readonly options: readonly OptionSetting[];
  readonly config: Exchange['config'];
  readonly subnet: ServedSubnet;
  readonly configured: ReadonlyMap<number, OptionSetting>;
  readonly available: ReadonlyMap<number, Candidate>;
  /** What the last request list (option 55) got from `available`: clients repeat theirs. */
  plan: SendPlan | undefined;
}

/** The options sent for one request list, in order: codes[i] with values[i]. */
interface SendPlan {
  /** A copy of the option 55 it was made for (undefined: none sent). */
  readonly requested: Uint8Array | undefined;
  readonly codes: readonly number[];
  readonly values: readonly Uint8Array[];
}

/**
 * Per host binding (immutable, replaced whole when it changes): what {@link candidates} computed for it.
 * Apart from the tags the request sets itself (`--dhcp-match`: part of the key) and boot options (never
 * memoised) nothing in it depends on the request, and rebuilding it per packet (tags, option selection,
 * encoding the defaults) was half of the engine's time (docs/performance.md, issue 17 item 3). Entries go
 * with their binding.
 */
const MEMO = new WeakMap<HostBinding, Memo>();

/**
 * Everything this client could be sent, with dnsmasq's defaults (rfc2131.c `do_options`), as the memo entry
 * that holds it (undefined without a subnet; an entry not kept when it cannot be memoised).
 */
function candidates(exchange: Exchange, requested: Uint8Array | undefined): Memo | undefined {
  const { subnet, host, config } = exchange;
  if (subnet === undefined) return undefined;
  const options = exchange.tables.options;
  const matched = requestTags(exchange);
  const matchedKey = matched.length === 0 ? '' : matched.join(' ');
  const memo = host === undefined ? undefined : MEMO.get(host);
  if (
    memo !== undefined &&
    memo.matched === matchedKey &&
    memo.options === options &&
    memo.config === config &&
    memo.subnet === subnet
  ) {
    applyConfiguredRenewalTimes(exchange, memo.configured);
    return memo;
  }
  const result = new Map<number, Candidate>();
  // dnsmasq always sends netmask and broadcast, requested or not.
  result.set(OPTION.subnetMask, { value: encodeOption(OPTION.subnetMask, subnet.mask), always: true });
  result.set(OPTION.broadcast, { value: encodeOption(OPTION.broadcast, subnet.broadcast), always: true });
  if (config.domain !== undefined) {
    result.set(OPTION.domainName, {
      value: encodeOption(OPTION.domainName, config.domain),
      always: false,
    });
  }
  const name = shortName(host?.name);
  if (name !== undefined)
    result.set(OPTION.hostname, { value: encodeOption(OPTION.hostname, name), always: false });
  if (config.dnsEnabled) {
    result.set(OPTION.dnsServer, {
      value: encodeOption(OPTION.dnsServer, [subnet.serverAddress]),
      always: false,
    });
  }
  const configured = selectOptions(options, clientTags(exchange, matched));
  const boot = bootFields(configured, requested);
  if (boot.nextServer !== undefined || boot.inHeader.size > 0) exchange.bootFields = boot;
  applyConfiguredRenewalTimes(exchange, configured);
  for (const [code, setting] of configured) {
    if (ENGINE_OWNED.has(code) || boot.inHeader.has(code)) continue;
    if (code === OPTION.renewalTime || code === OPTION.rebindingTime) continue;
    const value = NUL_TERMINATED.has(code) ? nulTerminated(setting.value) : setting.value;
    result.set(code, { value, always: setting.force || (result.get(code)?.always ?? false) });
  }
  const entry: Memo = {
    matched: matchedKey,
    options,
    config,
    subnet,
    configured,
    available: result,
    plan: undefined,
  };
  if (host !== undefined && !hasBootOptions(configured)) MEMO.set(host, entry);
  return entry;
}

/**
 * First the options the client asked for, in its option 55 order (RFC 2132 §9.8), then those sent
 * regardless; each once, and an empty router/DNS/netmask/broadcast not at all.
 */
function planOf(available: ReadonlyMap<number, Candidate>, requested: Uint8Array | undefined): SendPlan {
  const codes: number[] = [];
  const values: Uint8Array[] = [];
  const add = (code: number, candidate: Candidate): void => {
    if (candidate.value.length === 0 && SUPPRESSED_WHEN_EMPTY.has(code)) return;
    if (codes.includes(code)) return;
    codes.push(code);
    values.push(candidate.value);
  };
  if (requested !== undefined) {
    for (const code of requested) {
      const candidate = available.get(code);
      if (candidate !== undefined) add(code, candidate);
    }
  }
  for (const [code, candidate] of available) {
    if (requested === undefined || candidate.always) add(code, candidate);
  }
  return { requested: requested === undefined ? undefined : Uint8Array.from(requested), codes, values };
}

function sameList(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Configured T1/T2 (Neutron's `--dhcp-option-force=option:T1,<n>s`) replace the computed ones of a finite
 * lease, with dnsmasq's sanity rules (`renewalTimes`); an infinite lease has none to replace.
 */
function applyConfiguredRenewalTimes(
  exchange: Exchange,
  configured: ReadonlyMap<number, OptionSetting>,
): void {
  const t1 = configured.get(OPTION.renewalTime);
  const t2 = configured.get(OPTION.rebindingTime);
  const lease = exchange.host?.lease ?? exchange.subnet?.lease;
  if ((t1 === undefined && t2 === undefined) || lease?.kind !== 'finite') return;
  if (!exchange.replyOptions.has(OPTION.renewalTime)) return;
  const times = renewalTimes(lease.seconds, secondsOf(t1), secondsOf(t2));
  exchange.replyOptions.set(OPTION.renewalTime, encodeOption(OPTION.renewalTime, times.t1));
  exchange.replyOptions.set(OPTION.rebindingTime, encodeOption(OPTION.rebindingTime, times.t2));
}

function secondsOf(setting: OptionSetting | undefined): number | undefined {
  if (setting === undefined) return undefined;
  const read = decodeOptionValue('uint32', setting.value);
  return read.status === 'ok' ? read.value : undefined;
}

function nulTerminated(value: Uint8Array): Uint8Array {
  const out = new Uint8Array(value.length + 1);
  out.set(value);
  return out;
}

/**
 * Adds configured and default options: first those the client asked for, in its option 55 order
 * (RFC 2132 §9.8), then those sent regardless (netmask, broadcast, `--dhcp-option-force`). A client
 * without option 55 gets everything. Then echoes client-id (RFC 6842 §3) and relay info (RFC 3046 §2.2).
 */
export const configuredOptions: Stage = {
  name: 'configured-options',
  run(exchange) {
    const reply = exchange.replyOptions;
    if (exchange.replyType !== 'NAK') {
      if (exchange.trace !== undefined) exchange.trace.push(`tags: ${[...clientTags(exchange)].join(', ')}`);
      const requested = readParameterRequestList(exchange.request);
      const entry = candidates(exchange, requested);
      if (entry !== undefined) {
        let plan = entry.plan;
        if (plan === undefined || !sameList(plan.requested, requested)) {
          plan = planOf(entry.available, requested);
          entry.plan = plan;
        }
        // Options set by earlier stages (53, 54, lease times) keep their place and value.
        for (let i = 0; i < plan.codes.length; i++) {
          const code = plan.codes[i]!;
          if (!reply.has(code)) reply.set(code, plan.values[i]!);
        }
      }
    }
    const clientId = exchange.request.options.get(OPTION.clientId);
    if (clientId !== undefined) reply.set(OPTION.clientId, clientId);
    const relayInfo = exchange.request.options.get(OPTION.relayAgentInfo);
    if (relayInfo !== undefined) reply.set(OPTION.relayAgentInfo, relayInfo);
    return CONTINUE;
  },
};
