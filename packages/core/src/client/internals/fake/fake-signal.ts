/**
 * A wake-up signal: waiters sleep until the next `notify()` or their timeout, whichever comes first.
 * Fetch loops wait on it when there is nothing to fetch, so they neither spin nor sleep long.
 */
export class FakeSignal {
  private readonly waiters = new Set<() => void>();

  /** Resolves at the next `notify()` or after `ms`; the timer is cleared either way. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
    });
  }

  /** Wakes every waiter now. */
  notify(): void {
    for (const done of [...this.waiters]) done();
  }

  /** How many are waiting (a test checks none is left behind). */
  get waiting(): number {
    return this.waiters.size;
  }
}
