import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { frameMessage, TcpMessageSplitter } from './tcp-framing.js';

describe('DNS over TCP framing', () => {
  it('frames with a 2-octet big-endian length', () => {
    assert.deepEqual([...frameMessage(Uint8Array.from([7, 8, 9]))], [0, 3, 7, 8, 9]);
  });

  it('splits a stream however it is chunked', () => {
    const messages = [Buffer.from('first'), Buffer.alloc(0), Buffer.alloc(300, 1), Buffer.from('last')];
    const stream = Buffer.concat(messages.map((m) => frameMessage(m)));
    for (const chunkSize of [1, 2, 3, 7, 64, stream.length]) {
      const splitter = new TcpMessageSplitter();
      const out: Buffer[] = [];
      for (let at = 0; at < stream.length; at += chunkSize)
        out.push(...splitter.push(stream.subarray(at, at + chunkSize)));
      assert.deepEqual(out, messages, `chunks of ${chunkSize}`);
      assert.equal(splitter.bufferedLength, 0);
    }
  });

  it('holds a partial message until the rest arrives', () => {
    const splitter = new TcpMessageSplitter();
    assert.deepEqual(splitter.push(Buffer.from([0, 4, 1, 2])), []);
    assert.equal(splitter.bufferedLength, 4);
    assert.deepEqual(splitter.push(Buffer.from([3, 4, 0])), [Buffer.from([1, 2, 3, 4])]);
    assert.equal(splitter.bufferedLength, 1);
  });
});
