import { IncompatibleSchemaError, SchemaRegistryError } from '../errors.js';
import { withSchemaId } from '../internal/serde-errors.js';
import { andThen, attempt } from '../internal/maybe-async.js';
import type { MaybePromise } from '../internal/maybe-async.js';
import { contextOf, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { schemaByIdError, subjectError } from './registry-errors.js';
import type { ResolvedRegistryOptions } from './registry-serde-options.js';
import type { SchemaDefinition, SchemaType, SubjectVersion } from './schema-registry-client.js';
import { subjectName } from './subject-name-strategy.js';
import type { SubjectNameStrategy } from './subject-name-strategy.js';

/** What a registry serde tells its {@link RegistrySchemaCache}: its schema, and how it writes and reads. */
export interface RegistrySchemaCacheSpec<Target, Plan> {
  /** The factory, for usage errors: `registryAvroSerde`. */
  readonly factory: string;
  /** The serde's name and part, for the errors' "what and where". */
  readonly label: SerdeLabel;
  /** The registry's schema type this serde writes and reads. */
  readonly schemaType: SchemaType;
  /** That type as users name it, for errors: `Avro`, `JSON Schema`. */
  readonly schemaTypeName: string;
  readonly options: ResolvedRegistryOptions;
  readonly strategy: SubjectNameStrategy;
  /** The record name of the `record` subject name strategies: the schema's name or title. */
  readonly recordName: string | undefined;
  /** The serde's own schema, registered or looked up under the subject; undefined without one. */
  readonly definition: SchemaDefinition | undefined;
  /** The write target for the serde's own schema, registered (or found) under `id`. */
  ownTarget(id: number): Target;
  /** The write target for the subject's latest version (`useLatestVersion`), of the right type. */
  latestTarget(version: SubjectVersion): Target;
  /** How records written with schema `id` are read: decided once per id. */
  planFor(id: number, definition: SchemaDefinition): Plan;
}

/**
 * The registry lookups the Avro and JSON Schema registry serdes share, each done once and cached:
 * a topic's write target (its subject's schema id: registered, looked up or the latest version),
 * and a writer schema id's read plan. A cache miss in flight is shared by the records that wait on
 * it; once warm the per-record path is synchronous, with no registry call. A synchronous registry
 * client (the in-process MockSchemaRegistry) keeps even a miss synchronous.
 *
 * @internal
 */
export class RegistrySchemaCache<Target, Plan> {
  private readonly targets = new Map<string, Target>();
  private readonly plans = new Map<number, Plan>();
  private readonly pendingTargets = new Map<string, Promise<Target>>();
  private readonly pendingPlans = new Map<number, Promise<Plan>>();
  // Most topics carry one schema id at a time: the last plan saves the map lookup. Ids are
  // unsigned, so -1 is never one; lastPlan is checked as well, so no id can meet an empty slot.
  private lastId = -1;
  private lastPlan: Plan | undefined;

  constructor(private readonly spec: RegistrySchemaCacheSpec<Target, Plan>) {}

  /** The topic's write target: cached, at once from a synchronous registry, else a shared Promise. */
  writeTarget(topic: string): MaybePromise<Target> {
    const cached = this.targets.get(topic);
    if (cached !== undefined) return cached;
    const pending = this.pendingTargets.get(topic);
    if (pending !== undefined) return pending;
    return this.share(this.pendingTargets, topic, andThen(this.loadWriteTarget(topic), (target) => this.remember(this.targets, topic, target)));
  }

  /** How records written with schema `id` are read: cached, or fetched by id once. */
  readPlan(id: number, topic: string): MaybePromise<Plan> {
    if (id === this.lastId && this.lastPlan !== undefined) return this.lastPlan;
    const cached = this.plans.get(id);
    if (cached !== undefined) return this.last(id, cached);
    const pending = this.pendingPlans.get(id);
    if (pending !== undefined) return pending;
    // The id is always looked up, even when the serde reads with its own schema: an id the
    // registry does not know, or of another schema type, is bad data.
    const definition = attempt(
      () => this.spec.options.client.getSchemaById(id),
      (error) => withSchemaId(schemaByIdError(error, id, this.spec.label, topic), id),
    );
    const plan = andThen(definition, (d) => this.last(id, this.remember(this.plans, id, this.spec.planFor(id, this.checkDefinition(d, id, topic)))));
    return this.share(this.pendingPlans, id, plan);
  }

  private loadWriteTarget(topic: string): MaybePromise<Target> {
    const { spec } = this;
    const { client, autoRegister, useLatestVersion } = spec.options;
    if (spec.definition === undefined && !useLatestVersion) {
      throw new TypeError(`${spec.factory}: writing needs options.schema, or options.useLatestVersion to write with the subject's latest schema`);
    }
    const subject = subjectName(spec.strategy, { topic, part: spec.options.part, recordName: spec.recordName });
    if (useLatestVersion) {
      const latest = attempt(
        () => client.getLatestVersion(subject),
        (error) => subjectError(error, subject, 'latest', spec.label, topic),
      );
      return andThen(latest, (version) => {
        if (version.schemaType !== spec.schemaType) {
          const context = contextOf(spec.label, topic);
          throw new IncompatibleSchemaError(
            `${spec.label.serde}: the latest version of subject ${subject} (schema id ${version.id}) is a ${version.schemaType} schema, ` +
              `not ${spec.schemaTypeName} ${whereSuffix(context)}`,
            context,
            { subject, schemaId: version.id },
          );
        }
        return spec.latestTarget({ ...version, id: this.checkId(version.id, subject, topic) });
      });
    }
    const definition = spec.definition!;
    const id = autoRegister
      ? attempt(
          () => client.register(subject, definition),
          (error) => subjectError(error, subject, 'register', spec.label, topic),
        )
      : andThen(
          attempt(
            () => client.lookupSchema(subject, definition),
            (error) => subjectError(error, subject, 'lookup', spec.label, topic),
          ),
          (version) => version.id,
        );
    return andThen(id, (schemaId) => spec.ownTarget(this.checkId(schemaId, subject, topic)));
  }

  /** A schema as the registry answered it for `id`: a client that answers something else is refused, typed. */
  private checkDefinition(definition: SchemaDefinition, id: number, topic: string): SchemaDefinition {
    if (typeof definition === 'object' && definition !== null && typeof definition.schema === 'string' && typeof definition.schemaType === 'string') return definition;
    const context = { ...contextOf(this.spec.label, topic), schemaId: id };
    throw new SchemaRegistryError(`${this.spec.label.serde}: the schema registry answered schema id ${id} with no schema ${whereSuffix(context)}`, context, {});
  }

  /** A schema id the registry gave for writing: the wire format holds an unsigned 32-bit integer. */
  private checkId(id: number, subject: string, topic: string): number {
    if (Number.isInteger(id) && id >= 0 && id <= 0xffffffff) return id;
    const context = contextOf(this.spec.label, topic);
    throw new SchemaRegistryError(
      `${this.spec.label.serde}: the schema registry gave schema id ${String(id)} for subject ${subject}, not an unsigned 32-bit integer the wire format can hold ${whereSuffix(context)}`,
      context,
      {},
    );
  }

  private last(id: number, plan: Plan): Plan {
    this.lastId = id;
    this.lastPlan = plan;
    return plan;
  }

  private remember<K, V>(map: Map<K, V>, key: K, value: V): V {
    map.set(key, value);
    return value;
  }

  /** Registers a miss in flight so the records arriving meanwhile wait on it, and forgets it once settled. */
  private share<K, V>(pending: Map<K, Promise<V>>, key: K, value: MaybePromise<V>): MaybePromise<V> {
    if (value instanceof Promise) {
      pending.set(key, value);
      void value.then(
        () => pending.delete(key),
        () => pending.delete(key),
      );
    }
    return value;
  }
}
