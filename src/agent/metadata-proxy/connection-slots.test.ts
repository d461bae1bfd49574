import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ConnectionSlots, type LimitReason, type SlotLimits } from './connection-slots.js';

/** A connection that remembers being closed by the slots (a net.Socket in the proxy). */
class FakeConnection {
  destroyed = false;
  constructor(readonly source: string) {}
  destroy(): void {
    this.destroyed = true;
  }
}

function slotsWith(limits: Partial<SlotLimits> = {}) {
  const limited: LimitReason[] = [];
  const slots = new ConnectionSlots<FakeConnection>(
    { connectionsPerSource: 4, connectionsPerNetwork: 8, requestsPerSource: 2, ...limits },
    (reason) => limited.push(reason),
  );
  const open = (source: string) => {
    const connection = new FakeConnection(source);
    return { connection, admitted: slots.admit(connection, source) };
  };
  return { slots, limited, open };
}

describe('metadata connection slots', () => {
  test("past its own cap a source's oldest idle connection is closed; all busy → the new one is refused", () => {
    const { slots, limited, open } = slotsWith();
    const first = Array.from({ length: 4 }, () => open('10.0.0.5').connection);
    const fifth = open('10.0.0.5');
    assert.equal(fifth.admitted, true);
    assert.deepEqual(
      first.map((c) => c.destroyed),
      [true, false, false, false],
    );
    assert.equal(slots.connections('10.0.0.5'), 4);
    for (const connection of [...first.slice(1), fifth.connection]) slots.requestStarted(connection);
    assert.equal(open('10.0.0.5').admitted, false, 'busy connections are never cut');
    assert.deepEqual(limited, ['source_connections', 'source_connections']);
  });

  test('at the network cap the hoarding source gives up an idle connection to a newcomer', () => {
    const { slots, limited, open } = slotsWith({ connectionsPerSource: 100, connectionsPerNetwork: 8 });
    const hoarded = Array.from({ length: 8 }, () => open('10.0.0.66').connection);
    const neighbour = open('10.0.0.7');
    assert.equal(neighbour.admitted, true);
    assert.equal(hoarded.filter((c) => c.destroyed).length, 1);
    assert.equal(hoarded[0]?.destroyed, true, 'the oldest idle one');
    assert.equal(slots.connections(), 8);
    assert.deepEqual(limited, ['network_connections']);
  });

  test('at the network cap nobody loses a connection to a source holding as many', () => {
    const { open } = slotsWith({ connectionsPerSource: 100, connectionsPerNetwork: 4 });
    const a = [open('10.0.0.1').connection, open('10.0.0.1').connection];
    const b = [open('10.0.0.2').connection, open('10.0.0.2').connection];
    assert.equal(open('10.0.0.1').admitted, false, '2 vs 2: a third for A would take from B');
    assert.ok([...a, ...b].every((c) => !c.destroyed));
    assert.equal(open('10.0.0.3').admitted, true, 'a newcomer with none may take one from a pair');
  });

  test('requests beyond the per-source cap wait their turn, in order; other sources are not held up', async () => {
    const { slots, limited } = slotsWith({ requestsPerSource: 2 });
    assert.equal(slots.acquireRequest('10.0.0.5'), undefined);
    assert.equal(slots.acquireRequest('10.0.0.5'), undefined);
    const order: number[] = [];
    const third = slots.acquireRequest('10.0.0.5')?.then(() => order.push(3));
    const fourth = slots.acquireRequest('10.0.0.5')?.then(() => order.push(4));
    assert.ok(third !== undefined && fourth !== undefined);
    assert.equal(slots.acquireRequest('10.0.0.6'), undefined, 'another source has its own share');
    slots.releaseRequest('10.0.0.5');
    await third;
    assert.deepEqual(order, [3]);
    slots.releaseRequest('10.0.0.5');
    await fourth;
    assert.deepEqual(order, [3, 4]);
    assert.deepEqual(limited, ['source_requests', 'source_requests']);
  });

  test('property: any sequence of opens, closes and requests keeps every cap and never cuts a busy connection', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('open' as const), source: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('close' as const), index: fc.nat() }),
      fc.record({ kind: fc.constant('start' as const), index: fc.nat() }),
      fc.record({ kind: fc.constant('finish' as const), index: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 12 }),
        fc.array(op, { maxLength: 200 }),
        (perSource, perNetwork, ops) => {
          const { slots, open } = slotsWith({
            connectionsPerSource: perSource,
            connectionsPerNetwork: perNetwork,
          });
          const live: FakeConnection[] = [];
          const busy = new Set<FakeConnection>();
          for (const step of ops) {
            if (step.kind === 'open') {
              const { connection, admitted } = open(`10.0.0.${step.source}`);
              if (admitted) live.push(connection);
            } else {
              const connection = live[step.index % Math.max(1, live.length)];
              if (connection === undefined) continue;
              if (step.kind === 'close') {
                slots.release(connection);
                busy.delete(connection);
                live.splice(live.indexOf(connection), 1);
              } else if (step.kind === 'start' && !busy.has(connection)) {
                slots.requestStarted(connection);
                busy.add(connection);
              } else if (step.kind === 'finish' && busy.has(connection)) {
                slots.requestFinished(connection);
                busy.delete(connection);
              }
            }
            for (const connection of busy) assert.equal(connection.destroyed, false);
            // What the slots closed the proxy would see close: drop it from the live set.
            for (let i = live.length - 1; i >= 0; i--) if (live[i]?.destroyed) live.splice(i, 1);
            assert.equal(slots.connections(), live.length);
            assert.ok(live.length <= perNetwork);
            for (let s = 0; s <= 5; s++) assert.ok(slots.connections(`10.0.0.${s}`) <= perSource);
          }
        },
      ),
    );
  });
});
