import { readFileSync } from 'node:fs';

/** One DNS message captured by test/fixtures/dns/capture.sh. */
export interface CapturedMessage {
  /** The command line that caused it (dig or busybox nslookup). */
  readonly command: string;
  readonly transport: 'udp' | 'tcp';
  readonly direction: 'query' | 'response';
  readonly hex: string;
}

/** Real messages from dig and busybox nslookup, and dnsmasq's answers (test/fixtures/dns/queries.json). */
export function loadCapturedMessages(): readonly CapturedMessage[] {
  const url = new URL('../../../../test/fixtures/dns/queries.json', import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { messages: CapturedMessage[] }).messages;
}
