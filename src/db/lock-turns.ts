/**
 * Turns at the SQLite write lock among this process's own writers: one at a time, first come first
 * served, and nobody waits past its deadline. Without it a write queued behind one that is waiting out
 * another process's lock would start its own wait only after that one gave up, so ten queued API calls
 * would answer after ten waits instead of one (issue 17: the API answers within 1 s while the database
 * stays locked). Used by `openSqlite` in `database.ts`.
 *
 * @module
 */

/** Ends a turn; calling it again does nothing. */
type EndTurn = () => void;

interface Waiter {
  grant(): void;
}

/** A FIFO of writers with deadlines. */
export class LockTurns {
  #held = false;
  readonly #waiting: Waiter[] = [];

  /**
   * Waits for this writer's turn until `deadline` (a `performance.now()` time). Resolves to the function
   * that ends the turn, or `undefined` when the deadline came first (the writer is then out of the queue).
   */
  take(deadline: number): Promise<EndTurn | undefined> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#turnEnder());
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve(this.#turnEnder());
        },
      };
      const timer = setTimeout(
        () => {
          const index = this.#waiting.indexOf(waiter);
          if (index >= 0) this.#waiting.splice(index, 1);
          resolve(undefined);
        },
        Math.max(0, deadline - performance.now()),
      );
      this.#waiting.push(waiter);
    });
  }

  #turnEnder(): EndTurn {
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const next = this.#waiting.shift();
      if (next === undefined) this.#held = false;
      else next.grant();
    };
  }
}
