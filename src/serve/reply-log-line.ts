import { formatIpv4 } from '../common/ipv4.js';
import { type Logger, prebuiltInfoWriter } from '../common/logger.js';
import type { HostBinding } from '../dhcp-server/host-binding.js';
import type { ReplyLineWriter } from '../dhcp-server/packet-loop.js';

/** Text that needs no JSON escaping (printable ASCII without `"` and `\`): MACs, addresses, usual names. */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `text` as it appears between the quotes of a JSON string. */
function jsonInner(text: string): string {
  return PLAIN_JSON_TEXT.test(text) ? text : JSON.stringify(text).slice(1, -1);
}

/** A host's part of its reply lines: its address as text and ` name` (JSON-escaped), or '' without a name. */
interface HostText {
  readonly ip: number;
  readonly ipText: string;
  readonly nameText: string;
}

/**
 * Per host binding (immutable, replaced whole when it changes, so entries go with it): what the line needs
 * of it, made on its first reply instead of per line (the address formatted, the name's escaping tested).
 */
const HOST_TEXT = new WeakMap<HostBinding, HostText>();

function hostText(host: HostBinding): HostText {
  let text = HOST_TEXT.get(host);
  if (text === undefined) {
    const nameText = host.name === undefined ? '' : ` ${jsonInner(host.name)}`;
    text = { ip: host.ip, ipText: formatIpv4(host.ip), nameText };
    HOST_TEXT.set(host, text);
  }
  return text;
}

/**
 * The per-reply line of `qdhcp serve` (dnsmasq's `DHCPACK(ns-x) 10.0.0.5 fa:16:3e:… host-…`, docs/dhcp-engine.md
 * "Counters and logs"), written by hand: the same fields and message as the PacketLoop's `logger.info` call
 * (src/dhcp-server/packet-loop.ts `logReply`), through `prebuiltInfoWriter` (src/common/logger.ts). Undefined
 * when the logger is not a plain pino logger; the loop then calls `logger.info` as before.
 */
export function replyLineWriter(logger: Logger): ReplyLineWriter | undefined {
  const write = prebuiltInfoWriter(logger);
  if (write === undefined) return undefined;
  let lastInterface: string | undefined;
  let interfaceText = '';
  return (decision, interfaceName) => {
    if (interfaceName !== lastInterface) {
      lastInterface = interfaceName;
      interfaceText = jsonInner(interfaceName);
    }
    // The MAC is the decoder's colon hex of chaddr (request-fields.ts `macText`): never needs escaping.
    const mac = decision.mac;
    const host = decision.host === undefined ? undefined : hostText(decision.host);
    const address = host?.ip === decision.address ? host.ipText : formatIpv4(decision.address);
    write(
      `,"event":"dhcp.reply","mac":"${mac}","request":"${decision.requestType}","to":"${decision.destination.kind}"`,
      `"DHCP${decision.replyType}(${interfaceText}) ${address} ${mac}${host?.nameText ?? ''}"`,
    );
  };
}
