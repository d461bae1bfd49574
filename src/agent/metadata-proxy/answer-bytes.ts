import { STATUS_CODES } from 'node:http';
import type { ProxyAnswer } from './backends.js';

/**
 * The whole HTTP/1.1 response of an answer as one buffer, for the fast path's single `socket.end(bytes)`
 * (simple-request-head.ts). Built once per answer object and second (the `Date` line, as `node:http` sends
 * one): the builtin backend hands out the same answer object for every request of an instance revision
 * (rendered-answers.ts), so a boot storm's repeats cost a map lookup. The connection is always closed after
 * the answer (`Connection: close`), as the guests' clients open one connection per request anyway.
 */
export class AnswerBytes {
  private readonly built = new WeakMap<ProxyAnswer, Built>();
  private date = '';
  private dateSecond = -1;

  /** Status line, headers and (unless `headOnly`) body. */
  bytes(answer: ProxyAnswer, headOnly: boolean): Buffer {
    const now = Date.now();
    const second = Math.floor(now / 1000);
    if (second !== this.dateSecond) {
      this.dateSecond = second;
      this.date = new Date(second * 1000).toUTCString();
    }
    let built = this.built.get(answer);
    if (built === undefined || built.date !== this.date) {
      built = build(answer, this.date);
      this.built.set(answer, built);
    }
    return headOnly ? built.bytes.subarray(0, built.headLength) : built.bytes;
  }
}

interface Built {
  readonly date: string;
  readonly bytes: Buffer;
  readonly headLength: number;
}

function build(answer: ProxyAnswer, date: string): Built {
  const body = typeof answer.body === 'string' ? Buffer.from(answer.body) : answer.body;
  const head = Buffer.from(
    `HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? 'Unknown'}\r\n` +
      `Content-Type: ${answer.contentType}\r\nContent-Length: ${body.byteLength}\r\n` +
      `Date: ${date}\r\nConnection: close\r\n\r\n`,
    'latin1',
  );
  return { date, bytes: Buffer.concat([head, body]), headLength: head.byteLength };
}
