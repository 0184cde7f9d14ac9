/** How a registry client retries a request that failed for want of a registry. */
export interface RetryOptions {
  /** Retries after the first attempt; default 5. 0 reports the first failure. */
  retries?: number;
  /** The wait before the first retry, doubled each time (with +-20% jitter); default 100 ms. */
  initialDelayMs?: number;
  /** The longest wait between two attempts; default 5000 ms. */
  maxDelayMs?: number;
}

/** @internal */
export interface ResolvedRetry {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** @internal */
export function resolveRetry(factory: string, retry: RetryOptions | undefined): ResolvedRetry {
  const resolved = { retries: 5, initialDelayMs: 100, maxDelayMs: 5000, ...retry };
  for (const [key, value] of Object.entries(resolved)) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new TypeError(`${factory}: options.retry.${key} must be an integer >= 0, got ${JSON.stringify(value)}`);
    }
  }
  return resolved;
}

/**
 * Runs `attempt` until it succeeds, it fails with an error `isRetriable` refuses, or the retries
 * are spent, waiting with exponential backoff and jitter in between (so that many clients do not
 * hammer a registry coming back in step). Calls `onGiveUp` with the last error and the number of
 * attempts made, and throws what it returns.
 *
 * @internal
 */
export async function withRetry<T>(
  retry: ResolvedRetry,
  attempt: () => Promise<T>,
  isRetriable: (error: unknown) => boolean,
  onGiveUp: (error: unknown, attempts: number) => Error,
): Promise<T> {
  let delay = retry.initialDelayMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isRetriable(error)) throw onGiveUp(error, attempts);
      if (attempts > retry.retries) throw onGiveUp(error, attempts);
      const jittered = Math.min(delay, retry.maxDelayMs) * (0.8 + Math.random() * 0.4);
      await new Promise((resolve) => setTimeout(resolve, jittered));
      delay *= 2;
    }
  }
}
