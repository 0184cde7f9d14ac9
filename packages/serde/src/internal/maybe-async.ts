/** A value, or a Promise of it: what a serde or an in-process registry may answer. */
export type MaybePromise<T> = T | Promise<T>;

/**
 * Calls `call` and maps its failure, thrown or rejected, through `onError`; stays synchronous when
 * `call` is, so an in-process registry keeps a serde synchronous even on a cache miss.
 */
export function attempt<T>(call: () => MaybePromise<T>, onError: (error: unknown) => Error): MaybePromise<T> {
  let result: MaybePromise<T>;
  try {
    result = call();
  } catch (error) {
    throw onError(error);
  }
  return result instanceof Promise
    ? result.catch((error: unknown) => {
        throw onError(error);
      })
    : result;
}

/** `fn` applied to a value now, or to a Promise's value when it settles. */
export function andThen<T, U>(value: MaybePromise<T>, fn: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(fn) : fn(value);
}
