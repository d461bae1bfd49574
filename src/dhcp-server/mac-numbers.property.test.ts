import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  macText,
  macToNumbers,
  parsedMac,
  parseMacInto,
  readMacBytesInto,
  writeMacBytes,
} from './mac-numbers.js';

const octets = fc.uint8Array({ minLength: 6, maxLength: 6 });

test('bytes → numbers → text → bytes is the identity; the text is the canonical lower-case colon form', () => {
  fc.assert(
    fc.property(octets, (bytes) => {
      readMacBytesInto(bytes);
      const { high, low } = parsedMac; // copied: the calls below overwrite parsedMac
      const text = macText(high, low);
      assert.equal(text, [...bytes].map((octet) => octet.toString(16).padStart(2, '0')).join(':'));
      const back = new Uint8Array(8);
      assert.equal(writeMacBytes(text.toUpperCase(), back, 1), true);
      assert.deepEqual(back.subarray(1, 7), bytes);
      assert.deepEqual(macToNumbers(text), [high, low]);
    }),
  );
});

// Near misses: a valid MAC's text with one character replaced by any other (a length of 17 like the real ones).
const nearMiss = fc
  .tuple(octets, fc.nat({ max: 16 }), fc.string({ minLength: 1, maxLength: 1 }))
  .map(([bytes, at, char]) => {
    const text = [...bytes].map((octet) => octet.toString(16).padStart(2, '0')).join(':');
    return text.slice(0, at) + char + text.slice(at + 1);
  });

test('any other text is refused and writes nothing', () => {
  fc.assert(
    fc.property(fc.oneof(nearMiss, fc.string({ maxLength: 24 })), (text) => {
      fc.pre(!/^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(text));
      const into = new Uint8Array(6).fill(7);
      assert.equal(parseMacInto(text), false);
      assert.equal(writeMacBytes(text, into, 0), false);
      assert.deepEqual([...into], [7, 7, 7, 7, 7, 7]);
    }),
  );
  for (const text of ['fa:16:3e:00:00', 'fa:16:3e:00:00:0g', 'fa-16-3e-00-00-01', '01:02:03:04:05:06:07:08'])
    assert.equal(parseMacInto(text), false, text);
});
