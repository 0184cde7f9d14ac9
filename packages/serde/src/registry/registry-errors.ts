import { IncompatibleSchemaError, SchemaRegistryError, SchemaRegistryRefusedError, SchemaRegistryUnavailableError, UnknownSchemaIdError } from '../errors.js';
import type { SerdeError } from '../serde.js';
import { errorMessage } from '../internal/serde-errors.js';
import { contextOf, whereSuffix } from '../internal/where.js';
import type { SerdeLabel } from '../internal/where.js';
import { SchemaRegistryClientError } from './schema-registry-client.js';

/**
 * A failed schema-id lookup as the serde's error: unknown id, registry down, or another refusal.
 *
 * @internal
 */
export function schemaByIdError(error: unknown, id: number, label: SerdeLabel, topic: string): SerdeError {
  const context = contextOf(label, topic);
  if (error instanceof SchemaRegistryClientError && (error.errorCode === 40403 || (error.status === 404 && error.errorCode === undefined))) {
    return new UnknownSchemaIdError(
      `${label.serde}: unknown schema id ${id} in the record header: the schema registry has no schema with this id ${whereSuffix(context)}`,
      context,
      id,
      { cause: error },
    );
  }
  return registryError(error, `fetching schema id ${id}`, label, topic);
}

/**
 * A failed registration, lookup or latest-version request as the serde's error.
 *
 * @internal
 */
export function subjectError(error: unknown, subject: string, action: 'register' | 'lookup' | 'latest', label: SerdeLabel, topic: string): SerdeError {
  const context = contextOf(label, topic);
  if (error instanceof SchemaRegistryClientError && !error.retriable) {
    if (error.errorCode === 409 || error.status === 409) {
      return new IncompatibleSchemaError(
        `${label.serde}: the schema registry refused the schema as incompatible with the earlier versions of subject ${subject}: ${error.message} ${whereSuffix(context)}`,
        context,
        { subject },
        { cause: error },
      );
    }
    if (error.status === 404 && action === 'lookup') {
      return new SchemaRegistryError(
        `${label.serde}: the schema is not registered under subject ${subject} and autoRegister is off: register it, or set autoRegister: true ${whereSuffix(context)}`,
        context,
        { status: 404, errorCode: error.errorCode },
        { cause: error },
      );
    }
    if (error.status === 404 && action === 'latest') {
      return new SchemaRegistryError(
        `${label.serde}: subject ${subject} has no registered version to use (useLatestVersion) ${whereSuffix(context)}`,
        context,
        { status: 404, errorCode: error.errorCode },
        { cause: error },
      );
    }
  }
  const what = action === 'register' ? `registering the schema under subject ${subject}` : action === 'lookup' ? `looking up the schema under subject ${subject}` : `getting the latest version of subject ${subject}`;
  return registryError(error, what, label, topic);
}

function registryError(error: unknown, what: string, label: SerdeLabel, topic: string): SerdeError {
  const context = contextOf(label, topic);
  if (error instanceof SchemaRegistryClientError) {
    if (error.refused) {
      return new SchemaRegistryRefusedError(`${label.serde}: ${what}: ${error.message} ${whereSuffix(context)}`, context, error.status === undefined ? {} : { status: error.status }, {
        cause: error,
      });
    }
    if (error.retriable) {
      return new SchemaRegistryUnavailableError(
        `${label.serde}: ${what}: ${error.message} ${whereSuffix(context)}`,
        context,
        { ...(error.status === undefined ? {} : { status: error.status }), attempts: error.attempts },
        { cause: error },
      );
    }
    return new SchemaRegistryError(
      `${label.serde}: ${what}: ${error.message} ${whereSuffix(context)}`,
      context,
      { ...(error.status === undefined ? {} : { status: error.status }), ...(error.errorCode === undefined ? {} : { errorCode: error.errorCode }) },
      { cause: error },
    );
  }
  return new SchemaRegistryError(`${label.serde}: ${what}: ${errorMessage(error)} ${whereSuffix(context)}`, context, {}, { cause: error });
}
