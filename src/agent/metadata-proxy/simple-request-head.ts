/**
 * The metadata proxy's fast path (issue 17 item 2, docs/performance.md "Issue 17, item 2"): recognises the one
 * request shape a booting guest sends — a complete `GET`/`HEAD` head without a body, in the first bytes of
 * its connection — without `node:http`. It accepts a strict subset of what `node:http` (llhttp) accepts and
 * answers "not mine" (undefined) for everything else, which then goes to `node:http` unchanged, so every
 * documented answer for odd input (400, 405, 408, 413, 431) stays `node:http`'s. The differential property
 * test (simple-request-head.test.ts) checks that whatever this accepts, `node:http` parses the same way.
 *
 * @module
 */

/** A bodyless request the fast path can answer. */
export interface SimpleRequestHead {
  readonly method: 'GET' | 'HEAD';
  /** Origin-form target as sent (`/path?query`): always starts with `/`. */
  readonly target: string;
}

/**
 * Headers that change how the request must be handled (a body, a protocol switch, a 100-continue).
 * `Connection` is fine: whatever it asks, the answer closes the connection.
 */
const DECLINED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'content-type',
  'upgrade',
  'expect',
]);
const MAX_HEADERS = 64;
const CR = 0x0d;
const LF = 0x0a;

/** RFC 9110 tchar, as a lookup table over byte values. */
const TOKEN = byteClass("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
/** Origin-form target characters (RFC 3986 pchar, `/`, `?`, `%`); no `#`, no spaces, no controls. */
const TARGET = byteClass(
  "-._~!$&'()*+,;=:@/?%0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
);

function byteClass(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) table[chars.charCodeAt(i)] = 1;
  return table;
}

/**
 * The head of `bytes` when `bytes` is exactly one complete bodyless GET/HEAD head of at most `maxBytes`
 * (request line, header lines, empty line, nothing after); otherwise undefined. Never throws.
 */
export function parseSimpleRequestHead(bytes: Uint8Array, maxBytes: number): SimpleRequestHead | undefined {
  const length = bytes.length;
  if (length < 4 || length > maxBytes) return undefined;
  if (bytes[length - 4] !== CR || bytes[length - 3] !== LF || bytes[length - 2] !== CR) return undefined;
  if (bytes[length - 1] !== LF) return undefined;
  // Request line: METHOD SP target SP HTTP/1.x CRLF
  let method: SimpleRequestHead['method'];
  let at: number;
  if (startsWith(bytes, 0, 'GET /')) {
    method = 'GET';
    at = 4;
  } else if (startsWith(bytes, 0, 'HEAD /')) {
    method = 'HEAD';
    at = 5;
  } else return undefined;
  const targetStart = at;
  while (at < length && TARGET[bytes[at]!] === 1) at++;
  const targetEnd = at;
  if (!startsWith(bytes, at, ' HTTP/1.')) return undefined;
  at += 8;
  const minor = bytes[at];
  if ((minor !== 0x30 && minor !== 0x31) || bytes[at + 1] !== CR || bytes[at + 2] !== LF) return undefined;
  at += 3;
  // Header lines until the empty line that ends the head.
  let headers = 0;
  let hosts = 0;
  while (at < length - 2) {
    if (++headers > MAX_HEADERS) return undefined;
    const nameStart = at;
    while (at < length && TOKEN[bytes[at]!] === 1) at++;
    if (at === nameStart || bytes[at] !== 0x3a) return undefined;
    const name = latin1(bytes, nameStart, at).toLowerCase();
    if (DECLINED_HEADERS.has(name)) return undefined;
    if (name === 'host') hosts++;
    at++;
    // Value: visible characters, spaces and tabs; a CR must begin the line's CRLF.
    while (at < length) {
      const byte = bytes[at]!;
      if (byte === CR) break;
      if (byte !== 0x09 && (byte < 0x20 || byte > 0x7e)) return undefined;
      at++;
    }
    if (bytes[at + 1] !== LF) return undefined;
    at += 2;
  }
  // HTTP/1.1 needs exactly one Host (node:http answers 400 without one: `requireHostHeader`).
  if (hosts > 1 || (minor === 0x31 && hosts === 0)) return undefined;
  return { method, target: latin1(bytes, targetStart, targetEnd) };
}

function startsWith(bytes: Uint8Array, at: number, text: string): boolean {
  if (at + text.length > bytes.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Bytes as text, one character per byte (all ASCII here); Buffer's decoder, no spread of arguments. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);
}
