import { Ajv } from 'ajv';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { formatPath } from './where.js';

/** A compiled JSON Schema check: undefined when the value is valid, else its faults with their paths. */
export type JsonSchemaCheck = (value: unknown) => JsonSchemaFault[] | undefined;

export interface JsonSchemaFault {
  /** `lines[0].qty`, or `(root)`. */
  path: string;
  /** `at lines[0].qty: must be number`. */
  text: string;
}

const OPTIONS: Options = {
  // Report every fault, so the error can name each field that failed.
  allErrors: true,
  // Schemas from a registry may carry keywords and formats Ajv does not know: accept, do not fail.
  strict: false,
  validateFormats: false,
  logger: false,
};

/**
 * Compiles a JSON Schema (draft-07 unless `$schema` says 2019-09 or 2020-12) once, with an Ajv
 * instance of its own so that two versions of one schema with the same `$id` do not collide.
 * Throws Ajv's error for an invalid schema.
 */
export function compileJsonSchema(schema: object): JsonSchemaCheck {
  const dialect = (schema as { $schema?: unknown }).$schema;
  const ajv =
    typeof dialect === 'string' && dialect.includes('2020-12')
      ? new Ajv2020(OPTIONS)
      : typeof dialect === 'string' && dialect.includes('2019-09')
        ? new Ajv2019(OPTIONS)
        : new Ajv(OPTIONS);
  const validate: ValidateFunction = ajv.compile(schema);
  return (value) => (validate(value) ? undefined : (validate.errors ?? []).map(toFault));
}

function toFault(error: ErrorObject): JsonSchemaFault {
  const segments = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  if (error.keyword === 'required' && params.missingProperty !== undefined) {
    const path = formatPath([...segments, params.missingProperty]);
    return { path, text: `at ${path}: is required` };
  }
  if (error.keyword === 'additionalProperties' && params.additionalProperty !== undefined) {
    const path = formatPath([...segments, params.additionalProperty]);
    return { path, text: `at ${path}: is not allowed (additionalProperties)` };
  }
  const path = formatPath(segments);
  const allowed = params.allowedValues === undefined ? '' : ` ${JSON.stringify(params.allowedValues)}`;
  return { path, text: `at ${path}: ${error.message ?? error.keyword}${allowed}` };
}

function unescapePointer(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}
