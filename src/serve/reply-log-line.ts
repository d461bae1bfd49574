import { formatIpv4 } from '../common/ipv4.js';
import { type Logger, prebuiltInfoWriter } from '../common/logger.js';
import type { ReplyLineWriter } from '../dhcp-server/packet-loop.js';

/** Text that needs no JSON escaping (printable ASCII without `"` and `\`): MACs, addresses, usual names. */
const PLAIN_JSON_TEXT = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** `text` as it appears between the quotes of a JSON string. */
function jsonInner(text: string): string {
  return PLAIN_JSON_TEXT.test(text) ? text : JSON.stringify(text).slice(1, -1);
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
    const hostName = decision.host?.name;
    const name = hostName === undefined ? '' : ` ${jsonInner(hostName)}`;
    write(
      `,"event":"dhcp.reply","mac":"${mac}","request":"${decision.requestType}","to":"${decision.destination.kind}"`,
      `"DHCP${decision.replyType}(${interfaceText}) ${formatIpv4(decision.address)} ${mac}${name}"`,
    );
  };
}
