/**
 * Turns at the SQLite write lock among this process's own writers: one at a time, first come first
 * served, for as long as the writer ahead takes (a bulk create of 1,000 ports holds it a second; the
 * writers behind it simply wait). When the writer holding the turn gives up because another process kept
 * the database locked for its whole lock wait, everyone queued behind it is refused with the same error
 * at once: the database is locked for them too, and otherwise ten queued API calls would answer after ten
 * waits instead of one (issue 17: the API answers within 1 s while the database stays locked). Used by
 * `openSqlite` in `database.ts`.
 *
 * @module
 */

/** Ends a turn; calling it again does nothing. */
type EndTurn = () => void;

interface Waiter {
  grant(): void;
  refuse(error: unknown): void;
}

/** A FIFO of writers. */
export class LockTurns {
  #held = false;
  readonly #waiting: Waiter[] = [];

  /** Waits for this writer's turn; resolves to the function that ends it. Rejects if {@link refuseWaiting}. */
  take(): Promise<EndTurn> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve(this.#turnEnder());
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ grant: () => resolve(this.#turnEnder()), refuse: reject });
    });
  }

  /** Rejects every writer waiting for a turn with an error `reason` makes (the turn being held stays held). */
  refuseWaiting(reason: () => unknown): void {
    for (const waiter of this.#waiting.splice(0)) waiter.refuse(reason());
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
