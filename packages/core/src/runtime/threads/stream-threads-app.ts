import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BehaviorSubject, Observable, Subject, filter, firstValueFrom } from 'rxjs';
import type { ResolvedStreamsConfig, StreamsConfig } from '../../config/streams-config.js';
import { resolveConfig } from '../../config/validate.js';
import { printAppRedacted } from '../../config/redaction.js';
import type { StreamsError } from '../../errors/streams-error.js';
import type { Metric } from '../../metrics/metric.js';
import type { ReadOnlyKeyValueStore } from '../../state/key-value-store.js';
import type { ReadOnlySessionStore } from '../../state/session-store.js';
import type { ValueAndTimestamp } from '../../state/value-and-timestamp.js';
import type { ReadOnlyVersionedKeyValueStore } from '../../state/versioned-key-value-store.js';
import type { ReadOnlyWindowStore } from '../../state/window-store.js';
import { storeNameOf, type ExplicitKeyType, type ExplicitStoreName, type KeyValueView, type NamedStore, type SessionStoreType, type StoreNames, type StoreType, type StoreTypes, type VersionedStoreType, type WindowStoreType } from '../../state/store-types.js';
import { cleanUpStateDirectory, lockStateDirectory, type StateDirectoryLock } from '../../state/internals/state-directory/state-directory.js';
import type { HealthStatus, RebalanceEvent, StoreQueryOptions, StreamsAppState, StreamsMetrics } from '../streams-app.js';
import { assertSendable, threadConfig, threadName } from './thread-config.js';
import { StreamThreadHandle, type ThreadSpec } from './stream-thread-handle.js';
import { clientLevelMetrics, mergeThreadHealth, mergeThreadMetrics, threadStoreView, type QueryTarget, type ThreadStoreKind } from './thread-queries.js';
import { appStateOf, decideOnThreadFailure, type SupervisorPhase } from './thread-states.js';
import { moduleUrlOf } from './worker-launch.js';
import { threadsKeyQueryMetadata, threadsMetadataForAllClients, threadsMetadataForStore } from './thread-metadata.js';
import type { KeyQueryMetadata, KeyQueryOptions, StreamsMetadata } from '../streams-metadata.js';
import type { Serde } from '@rivulet/serde';

/** Options of the module form besides the config ({@link StreamThreadsApp}). */
export interface StreamThreadsOptions {
  /** Plain data each thread's factory receives as `thread.data` (structured-cloned): topic names, say. */
  readonly data?: unknown;
  /** The module's export that holds the factory. Default `'default'`. */
  readonly exportName?: string;
  /** How long a synchronous query (interactive query, metrics, health) waits for a busy thread, in ms. Default 5000. */
  readonly queryTimeoutMs?: number;
}

/** A rebalance one stream thread completed: {@link RebalanceEvent} with the thread's name. */
export interface ThreadRebalanceEvent extends RebalanceEvent {
  /** `<clientId>-StreamThread-<n>`. */
  readonly thread: string;
}

/** How long a thread may take to close once asked, before it is terminated. */
const CLOSE_DEADLINE_MS = 120_000;

/**
 * An app of `numStreamThreads` stream threads, each a Node worker thread running the topology its
 * module builds, with its own consumer and producer in the app's group (Kafka Streams'
 * StreamThreads). Made by `StreamsApp.fromModule`, which explains the module; it offers what a
 * `StreamsApp` does for running and querying an app: `start`, `close`, `state` / `state$`,
 * `errors$`, interactive queries over every thread's tasks, `metrics()` and `health()` over every
 * thread, and `cleanUp`, so `runApp(app)` runs it as it is. See docs/operating.md#stream-threads.
 *
 * @example
 * const app = StreamsApp.fromModule(new URL('./word-count.topology.js', import.meta.url), {
 *   applicationId: 'word-count', brokers: ['127.0.0.1:9092'], numStreamThreads: 2,
 * });
 * await app.start();
 * app.store<string, bigint>('word-counts').get('kafka'); // from whichever thread runs the key's task
 *
 * @typeParam S - The types of the topology's named stores, given as `fromModule`'s type argument
 * (`StreamsApp.fromModule<StoreTypesOf<typeof topology>>(...)`); left out, the stores are typed by
 * type arguments at each query. Left out in a type (`app: StreamThreadsApp`), any app.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- as StreamsApp's: the default accepts an app of any stores
export class StreamThreadsApp<S extends StoreTypes = any> {
  /** The configuration in use, validated, every default filled in (the main thread's logger and handler included). */
  readonly config: ResolvedStreamsConfig;
  /** The module the threads build their topology from, as a file URL. */
  readonly moduleUrl: string;
  private readonly stateSubject = new BehaviorSubject<StreamsAppState>('CREATED');
  private readonly errorSubject = new Subject<StreamsError>();
  /** The app's state as it changes: RUNNING only while every thread is RUNNING. */
  readonly state$: Observable<StreamsAppState> = this.stateSubject.asObservable();
  private readonly rebalanceSubject = new Subject<ThreadRebalanceEvent>();
  /** Each rebalance a thread completed (each thread is a member of the group), with the thread's name. */
  readonly rebalances$: Observable<ThreadRebalanceEvent> = this.rebalanceSubject.asObservable();
  /** Every error any thread handled or stopped for, as on a single app's `errors$`. */
  readonly errors$: Observable<StreamsError> = this.errorSubject.asObservable();
  private readonly threads: StreamThreadHandle[] = [];
  private phase: SupervisorPhase = 'created';
  private fatalError: Error | undefined;
  private closing: Promise<void> | undefined;
  private lock: StateDirectoryLock | undefined;
  private replacements = 0;
  private failedThreads = 0;
  /** Every thread was built at start and told to join the group. */
  private threadsReleased = false;
  private readonly queryTimeoutMs: number;

  /**
   * Validates `config` and prepares the app; nothing starts before `start()`.
   *
   * @param module - The module whose factory builds each thread's topology: a URL (`new URL('./topology.js', import.meta.url)`), a file URL or a path.
   * @throws ConfigError for an invalid config, or a setting that holds a function (it must come from the module).
   */
  constructor(
    module: URL | string,
    private readonly userConfig: StreamsConfig,
    private readonly options: StreamThreadsOptions = {},
  ) {
    this.config = resolveConfig(userConfig);
    assertSendable(userConfig);
    this.moduleUrl = moduleUrlOf(module);
    this.queryTimeoutMs = options.queryTimeoutMs ?? 5_000;
  }

  /** How many stream threads the app runs. */
  get numStreamThreads(): number {
    return this.config.numStreamThreads;
  }

  /** The app's state now; `state$` emits each change. */
  get state(): StreamsAppState {
    return this.stateSubject.value;
  }

  /**
   * Starts every thread; resolves when the app first reaches RUNNING (every thread joined the group
   * and restored its tasks). Rejects with the fatal error if the app reaches ERROR first, for
   * example when a thread's module fails to build its topology. Resolves too if `close()` is called meanwhile.
   */
  async start(): Promise<void> {
    if (this.state !== 'CREATED') throw new Error(`start() was called in state ${this.state}; an app starts once`);
    const started = firstValueFrom(this.stateSubject.pipe(filter((s) => s === 'RUNNING' || s === 'PENDING_ERROR' || s === 'ERROR' || s === 'PENDING_SHUTDOWN' || s === 'NOT_RUNNING')), {
      defaultValue: this.state,
    });
    this.phase = 'running';
    this.config.logger.info(`starting ${this.config.applicationId} with ${this.numStreamThreads} stream threads`, { module: this.moduleUrl });
    try {
      // The instance's directory: the threads' own folders are inside (thread-config.ts).
      this.lock = await lockStateDirectory(this.config.stateDir, this.config.applicationId);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
      await this.closing;
      throw err;
    }
    for (let i = 1; i <= this.numStreamThreads; i++) this.threads.push(this.newThread(i));
    for (const thread of this.threads) thread.start();
    this.update();
    const state = await started;
    if (state === 'PENDING_ERROR' || state === 'ERROR') {
      await this.closing;
      throw this.fatalError ?? new Error('the app stopped in ERROR before it was running');
    }
  }

  /** A thread of this app: its worker's start data and what the supervisor does with its events. */
  private newThread(index: number): StreamThreadHandle {
    const name = threadName(this.config.clientId, index);
    const spec = (): ThreadSpec => ({
      index,
      name,
      moduleUrl: this.moduleUrl,
      exportName: this.options.exportName ?? 'default',
      config: threadConfig(this.userConfig, this.config, index),
      data: this.options.data,
      forwardLogs: true,
    });
    const thread: StreamThreadHandle = new StreamThreadHandle(index, name, spec, {
      changed: () => this.onThreadChanged(thread),
      error: (error) => this.errorSubject.next(error),
      rebalanced: (event) => this.rebalanceSubject.next({ ...event, thread: name }),
      failed: (error, starting) => this.onThreadFailed(thread, error, starting),
      log: (level, message, fields) => this.config.logger[level === 'nothing' ? 'debug' : level](message, fields),
    }, this.queryTimeoutMs);
    return thread;
  }

  /**
   * A thread's phase changed. At start the threads join the group together, once all are built
   * (a thread's module loads and compiles in its worker first, which takes a while); a replacement
   * joins as soon as it is built.
   */
  private onThreadChanged(thread: StreamThreadHandle): void {
    if (thread.built && !thread.released) {
      const initial = !this.threadsReleased;
      if (!initial) {
        thread.released = true;
        thread.go();
      } else if (this.threads.every((t) => t.built || t.failure !== undefined)) {
        this.threadsReleased = true;
        for (const t of this.threads) {
          if (t.built && !t.released) {
            t.released = true;
            t.go();
          }
        }
      }
    }
    this.update();
  }

  /**
   * A thread failed: the uncaught-exception handler decides, once per failure. REPLACE_THREAD
   * starts a new worker with the same number once the old one has ended; SHUTDOWN_CLIENT closes
   * every thread and the app ends in ERROR. A failure while starting, or after closing began, is not replaced.
   */
  private onThreadFailed(thread: StreamThreadHandle, error: Error, starting: boolean): void {
    this.failedThreads++;
    if (this.phase !== 'running') return;
    const warn = (message: string): void => this.config.logger.error(message);
    const action = decideOnThreadFailure(this.config.uncaughtExceptionHandler, error, { starting }, warn);
    if (action === 'shutdown-client') {
      this.fail(error);
      return;
    }
    this.replacements++;
    this.config.logger.error(`stream thread ${thread.name} failed; replacing it (replacement ${this.replacements}): ${error.message}`);
    thread.replacing = true;
    void thread.exited.then(() => {
      if (this.phase === 'running') thread.start();
      else thread.replacing = false;
      this.update();
    });
  }

  /** SHUTDOWN_CLIENT (or a failed start): every thread closes, the app ends in ERROR. */
  private fail(error: Error): void {
    if (this.phase === 'closing' || this.phase === 'failing') return;
    this.fatalError = error;
    this.phase = 'failing';
    this.config.logger.error(`stopping after a fatal error: ${error.message}`);
    this.closing = this.closeThreads();
  }

  /**
   * Closes every thread (each commits, closes its tasks and leaves the group, as `StreamsApp.close()`
   * does) and waits for them to end. Safe to call more than once.
   */
  close(): Promise<void> {
    if (this.closing !== undefined) return this.closing;
    if (this.phase === 'created') {
      this.phase = 'closing';
      this.update();
      this.complete();
      this.closing = Promise.resolve();
      return this.closing;
    }
    this.phase = 'closing';
    this.config.logger.info('closing every stream thread');
    this.closing = this.closeThreads();
    return this.closing;
  }

  private async closeThreads(): Promise<void> {
    this.update();
    await Promise.all(
      this.threads.map((thread) =>
        thread.close(CLOSE_DEADLINE_MS, () => this.config.logger.error(`stream thread ${thread.name} did not close within ${CLOSE_DEADLINE_MS} ms; terminating it`)),
      ),
    );
    await this.lock?.release().catch(() => undefined);
    this.lock = undefined;
    this.update();
    this.complete();
  }

  private complete(): void {
    this.stateSubject.complete();
    this.rebalanceSubject.complete();
    this.errorSubject.complete();
  }

  /** Sets the app's state from the threads'. */
  private update(): void {
    // A thread being replaced counts as starting: its failure ends nothing.
    const state = appStateOf(this.phase, this.threads.map((t) => (t.replacing && this.phase === 'running' ? 'STARTING' : t.phase)));
    if (state !== this.stateSubject.value && !this.stateSubject.closed) this.stateSubject.next(state);
  }

  /**
   * Deletes this app's local state, as `StreamsApp.cleanUp()`, in every thread's folder. Call it
   * before `start()` or once the app has closed.
   *
   * @example
   * await app.cleanUp(); // restore every store from its changelog at the next start
   */
  async cleanUp(): Promise<void> {
    const state = this.state;
    if (state !== 'CREATED' && state !== 'NOT_RUNNING' && state !== 'ERROR') {
      throw new Error(`cleanUp() was called in state ${state}: it deletes the local state, so call it before start() or once close() has completed`);
    }
    const { stateDir, applicationId } = this.config;
    await cleanUpStateDirectory(stateDir, applicationId);
    const appDir = join(stateDir, applicationId);
    const entries = await readdir(appDir).catch(() => [] as string[]);
    for (const name of entries.filter((n) => /^StreamThread-\d+$/.test(n))) await cleanUpStateDirectory(join(appDir, name), applicationId);
  }

  /** The threads as queries see them. */
  private targets = (): readonly QueryTarget[] => this.threads;

  private view<T>(name: string, kind: ThreadStoreKind, options: StoreQueryOptions | undefined): T {
    return threadStoreView<T>(name, kind, options?.staleReads === true, this.targets);
  }

  /**
   * A key-value store over every thread's tasks (interactive queries), as `StreamsApp.store`. Each
   * read asks the threads synchronously; a thread starting or being replaced makes it throw an
   * `InvalidStateStoreError` (query again) unless `{ staleReads: true }`. Typed as
   * `StreamsApp.store` is, by the stores given as `fromModule`'s type argument, by a `NamedStore`,
   * or by type arguments.
   *
   * @example
   * app.store<string, bigint>('word-counts').get('kafka'); // 3n
   */
  store<N extends StoreNames<S, 'key-value' | 'versioned'>>(name: N, options?: StoreQueryOptions): KeyValueView<S[N & keyof S]>;
  /** The key-value store a `NamedStore` names, typed by it. */
  store<T extends StoreType<unknown, unknown, 'key-value' | 'versioned'>>(store: NamedStore<string, T>, options?: StoreQueryOptions): KeyValueView<T>;
  /** A key-value store typed by the type arguments. */
  store<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyKeyValueStore<ExplicitKeyType<K>, V>;
  store(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyKeyValueStore<unknown, unknown> {
    return this.view(storeNameOf(store), 'key-value', options);
  }

  /** A window store over every thread's tasks, as `StreamsApp.windowStore`. */
  windowStore<N extends StoreNames<S, 'window'>>(name: N, options?: StoreQueryOptions): ReadOnlyWindowStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The window store a `NamedStore` names, typed by it. */
  windowStore<K, V>(store: NamedStore<string, WindowStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlyWindowStore<K, V>;
  /** A window store typed by the type arguments. */
  windowStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyWindowStore<ExplicitKeyType<K>, V>;
  windowStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyWindowStore<unknown, unknown> {
    return this.view(storeNameOf(store), 'window', options);
  }

  /** A timestamped window store over every thread's tasks, as `StreamsApp.timestampedWindowStore`. */
  timestampedWindowStore<N extends StoreNames<S, 'window'>>(name: N, options?: StoreQueryOptions): ReadOnlyWindowStore<S[N & keyof S]['key'], ValueAndTimestamp<S[N & keyof S]['value']>>;
  /** The timestamped window store a `NamedStore` names, typed by it. */
  timestampedWindowStore<K, V>(store: NamedStore<string, WindowStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlyWindowStore<K, ValueAndTimestamp<V>>;
  /** A timestamped window store typed by the type arguments. */
  timestampedWindowStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyWindowStore<ExplicitKeyType<K>, ValueAndTimestamp<V>>;
  timestampedWindowStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyWindowStore<unknown, ValueAndTimestamp<unknown>> {
    return this.view(storeNameOf(store), 'timestamped-window', options);
  }

  /** A session store over every thread's tasks, as `StreamsApp.sessionStore`. */
  sessionStore<N extends StoreNames<S, 'session'>>(name: N, options?: StoreQueryOptions): ReadOnlySessionStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The session store a `NamedStore` names, typed by it. */
  sessionStore<K, V>(store: NamedStore<string, SessionStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlySessionStore<K, V>;
  /** A session store typed by the type arguments. */
  sessionStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlySessionStore<ExplicitKeyType<K>, V>;
  sessionStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlySessionStore<unknown, unknown> {
    return this.view(storeNameOf(store), 'session', options);
  }

  /** A versioned key-value store over every thread's tasks, as `StreamsApp.versionedStore`. */
  versionedStore<N extends StoreNames<S, 'versioned'>>(name: N, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<S[N & keyof S]['key'], S[N & keyof S]['value']>;
  /** The versioned store a `NamedStore` names, typed by it. */
  versionedStore<K, V>(store: NamedStore<string, VersionedStoreType<K, V>>, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<K, V>;
  /** A versioned store typed by the type arguments. */
  versionedStore<K = never, V = unknown>(name: ExplicitStoreName<S, K>, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<ExplicitKeyType<K>, V>;
  versionedStore(store: string | NamedStore, options?: StoreQueryOptions): ReadOnlyVersionedKeyValueStore<unknown, unknown> {
    return this.view(storeNameOf(store), 'versioned', options);
  }

  /**
   * Which instance holds `key` of a store, as `StreamsApp.queryMetadataForKey`: every thread learns
   * every instance's `applicationServer` and tasks from its assignment; the key is serialized and
   * partitioned here, on the main thread. `KeyQueryMetadata.NOT_AVAILABLE` while the app (any of
   * its threads) is not RUNNING.
   *
   * @example
   * const where = app.queryMetadataForKey('word-counts', 'kafka', serdes.string());
   * where.activeHost; // { host: 'app-2.internal', port: 7070 }
   */
  queryMetadataForKey<K>(storeName: string, key: K, keySerde: Serde<K>, options?: KeyQueryOptions): KeyQueryMetadata {
    return threadsKeyQueryMetadata(this.state, this.targets(), storeName, key, keySerde, options);
  }

  /**
   * The instances that hold a store, actively or as a standby, as `StreamsApp.allMetadataForStore`.
   * Empty while the app is not RUNNING.
   *
   * @example
   * app.allMetadataForStore('word-counts').map((m) => m.hostInfo.port); // [7070, 7071]
   */
  allMetadataForStore(storeName: string): StreamsMetadata[] {
    return threadsMetadataForStore(this.state, this.targets(), storeName);
  }

  /**
   * Every instance of the app that has an `applicationServer`, as
   * `StreamsApp.metadataForAllStreamsClients`. Empty while the app is not RUNNING.
   *
   * @example
   * app.metadataForAllStreamsClients().length; // the instances running now
   */
  metadataForAllStreamsClients(): StreamsMetadata[] {
    return threadsMetadataForAllClients(this.state, this.targets());
  }

  /**
   * The app's counters over every thread: counters summed, tasks of all threads, and in `all` the
   * client's metrics (`alive-stream-threads`, `failed-stream-threads`, ...) then each thread's,
   * tagged `thread-id: <clientId>-StreamThread-<n>`. A thread that is starting or does not answer
   * in time counts nothing.
   *
   * @example
   * findMetrics(app.metrics().all, 'process-total').map((m) => [m.tags['thread-id'], m.value]);
   */
  metrics(): StreamsMetrics {
    const parts: StreamsMetrics[] = [];
    for (const t of this.targets()) {
      if (!t.queryable) continue;
      try {
        parts.push(t.ask({ type: 'metrics' }) as StreamsMetrics);
      } catch {
        // busy or gone: counted at the next call
      }
    }
    return mergeThreadMetrics(this.state, parts, this.clientMetrics());
  }

  /** Kafka Streams' client-level metrics (stream-metrics), the supervisor's. */
  private clientMetrics(): Metric[] {
    const alive = this.threads.filter((t) => t.alive).length;
    return clientLevelMetrics(this.config, this.state, alive, this.failedThreads);
  }

  /**
   * {@link StreamThreadsApp.metrics} sampled every `intervalMs` (default 1 s), plus a last sample when
   * the app stops, after which it completes; as `StreamsApp.metrics$`.
   */
  metrics$(intervalMs = 1000): Observable<StreamsMetrics> {
    if (!(intervalMs >= 1)) throw new RangeError(`metrics$ needs an interval >= 1 ms, got ${intervalMs}`);
    return new Observable<StreamsMetrics>((subscriber) => {
      const timer = setInterval(() => subscriber.next(this.metrics()), intervalMs);
      timer.unref();
      const life = this.stateSubject.subscribe({ complete: () => (subscriber.next(this.metrics()), subscriber.complete()) });
      return () => {
        clearInterval(timer);
        life.unsubscribe();
      };
    });
  }

  /**
   * Whether the app is alive and ready, over every thread, as `StreamsApp.health`: live while no
   * thread's loop is stuck and the app is not stopping; ready when RUNNING and every thread ready.
   */
  health(livenessWindowMs = 60_000): HealthStatus {
    const threads = this.targets().map((t) => {
      if (!t.queryable) return { name: t.name, health: undefined };
      try {
        return { name: t.name, health: t.ask({ type: 'health', livenessWindowMs }) as HealthStatus };
      } catch {
        return { name: t.name, health: undefined };
      }
    });
    return mergeThreadHealth(this.state, threads, this.fatalError);
  }
}

// util.inspect(app) and JSON.stringify(app) show its id, state and config, never a secret (docs/security.md).
printAppRedacted(StreamThreadsApp);
