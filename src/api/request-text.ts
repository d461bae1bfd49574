/**
 * What the HTTP edge accepts as request text, before any attribute is looked at: a body is strict UTF-8
 * JSON, nested at most {@link MAX_JSON_DEPTH} levels, whose strings (and keys) are well-formed Unicode
 * without NUL; a URL's percent-escapes decode to strict UTF-8 without NUL. Anything else is refused
 * here with a 400 instead of being stored altered (U+FFFD for bad bytes, a lone surrogate echoed but
 * stored differently), refused by PostgreSQL later (NUL: a 500), or overflowing the stack of a
 * recursive serialiser further in (thousands of levels in ~10 KB of body).
 *
 * Neutron answers an unparsable body with 400 "Body contains invalid data"
 * (neutron/pecan_wsgi/hooks/body_validation.py); Python's parser gives up near 1,000 levels.
 *
 * @module
 */
import { QdhcpError } from '../common/errors.js';

/** Deepest nesting of arrays and objects a body may have; real bodies need a handful of levels. */
export const MAX_JSON_DEPTH = 100;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A lone surrogate: with the `u` flag a valid pair is one code point, so only lone halves match. */
const LONE_SURROGATE = /\p{Cs}/u;

/** Well-formed UTF-16 (no lone surrogate) and no NUL. */
function acceptableString(text: string): boolean {
  return !LONE_SURROGATE.test(text) && !text.includes('\u0000');
}

/**
 * Walks a parsed value without recursion (an explicit stack, so hostile depth cannot overflow it) and
 * throws BODY_INVALID at the first level past the limit or the first unacceptable string or key.
 */
function checkParsed(value: unknown): void {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const current = item.value;
    if (typeof current === 'string') {
      if (!acceptableString(current)) throw new QdhcpError('BODY_INVALID');
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    const depth = item.depth + 1;
    if (depth > MAX_JSON_DEPTH) throw new QdhcpError('BODY_INVALID');
    if (Array.isArray(current)) {
      for (const element of current) stack.push({ value: element, depth });
      continue;
    }
    for (const [key, element] of Object.entries(current)) {
      if (!acceptableString(key)) throw new QdhcpError('BODY_INVALID');
      stack.push({ value: element, depth });
    }
  }
}

/** The JSON value of a request body; an empty body is `undefined` ("no body"). */
export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch (error) {
    throw new QdhcpError('BODY_INVALID', {}, { cause: error });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new QdhcpError('BODY_INVALID', {}, { cause: error });
  }
  checkParsed(value);
  return value;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Refuses a request target whose percent-escapes are not UTF-8 or that carries a NUL (decoded or
 * raw). A `%` not followed by two hex digits stays literal, as query parsers (Python's `unquote`,
 * `URLSearchParams`) keep it.
 */
export function checkRequestTarget(url: string): void {
  if (LONE_SURROGATE.test(url)) throw new QdhcpError('URL_INVALID', { reason: 'it is not valid Unicode' });
  const bytes: number[] = [];
  for (let i = 0; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 0x25 && i + 2 < url.length) {
      const high = hexValue(url.charCodeAt(i + 1));
      const low = hexValue(url.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes.push(high * 16 + low);
        i += 2;
        continue;
      }
    }
    if (code < 0x80) {
      bytes.push(code);
      continue;
    }
    // The target is ASCII on the wire; other characters (from inject) count as their UTF-8 bytes.
    const character = String.fromCodePoint(url.codePointAt(i)!);
    bytes.push(...Buffer.from(character));
    i += character.length - 1;
  }
  let decoded: string;
  try {
    decoded = strictUtf8.decode(Uint8Array.from(bytes));
  } catch (error) {
    throw new QdhcpError('URL_INVALID', { reason: 'its escapes are not UTF-8' }, { cause: error });
  }
  if (decoded.includes('\u0000')) throw new QdhcpError('URL_INVALID', { reason: 'it contains NUL' });
}
