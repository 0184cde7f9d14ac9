/**
 * A refusal by the brokers' authorizer, said in the terms of the ACL that is missing: the principal,
 * the operation and the resource. kafkajs reports a refusal as a bare protocol type
 * (`TOPIC_AUTHORIZATION_FAILED`, ...) without naming either; the client adapter and the topic check
 * at start know which call failed, and wrap the error with {@link toAuthorizationError}. A refusal
 * is fatal: retrying cannot grant an ACL (Kafka Streams treats `AuthorizationException` the same).
 */
import { StreamsError } from './streams-error.js';

/** Protocol error types of a refusal by the authorizer, and the kind of resource each is about. */
export const AUTHORIZATION_TYPES: ReadonlyMap<string, AclResourceKind> = new Map([
  ['TOPIC_AUTHORIZATION_FAILED', 'topic'],
  ['GROUP_AUTHORIZATION_FAILED', 'group'],
  ['TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'transactional id'],
  ['CLUSTER_AUTHORIZATION_FAILED', 'cluster'],
]);

/** The kind of resource an ACL is on. */
export type AclResourceKind = 'topic' | 'group' | 'transactional id' | 'cluster';

/** What the failed call needed: the operation on which resource, for which principal. */
export interface AuthorizationContext {
  /** The principal the app authenticates as, such as `User:orders-app`. */
  readonly principal: string;
  /** The operation the call needs, as Kafka names it: `READ`, `WRITE`, `CREATE`, `DESCRIBE`. */
  readonly operation: string;
  /** The kind of resource refused: a topic, a group, a transactional id or the cluster. */
  readonly resourceKind: AclResourceKind;
  /** The resource's name or names (several topics of one send); empty when not known. */
  readonly resourceNames: readonly string[];
}

/**
 * The brokers refused an operation for lack of an ACL: fatal, with the principal, the operation and
 * the resource in the message and as fields, and the `kafka-acls.sh` line that grants it.
 *
 * @example
 * app.errors$.subscribe((e) => {
 *   if (e.cause instanceof AuthorizationError) console.error(`grant ${e.cause.operation} on ${e.cause.resourceKind} ${e.cause.resourceNames}`);
 * });
 */
export class AuthorizationError extends StreamsError {
  /** The principal refused, such as `User:orders-app`. */
  readonly principal: string;
  /** The operation refused (`READ`, `WRITE`, `CREATE`, `DESCRIBE`). */
  readonly operation: string;
  /** The kind of resource. */
  readonly resourceKind: AclResourceKind;
  /** The resources refused (empty when the broker's answer does not say). */
  readonly resourceNames: readonly string[];
  /** The broker's error type, such as `TOPIC_AUTHORIZATION_FAILED`. */
  readonly type: string;

  constructor(context: AuthorizationContext, type: string, cause?: unknown) {
    const { principal, operation, resourceKind, resourceNames } = context;
    // A send to several topics is refused as a whole: the broker's answer does not say which one.
    const named = resourceNames.map((n) => `${resourceKind} '${n}'`).join(', ');
    const what = resourceNames.length === 0 ? `the ${resourceKind}` : resourceNames.length === 1 ? named : `one of ${named}`;
    super(
      `not authorized: principal ${principal} may not ${operation} ${what} (the broker answered ${type}). ` +
        `Grant the ACL${grantHint(context)}; the ACLs an app needs: rivulet topics MODULE --acls (docs/security.md)`,
      { category: 'fatal', action: 'fatal', ...(cause !== undefined ? { cause } : {}) },
    );
    this.name = 'AuthorizationError';
    this.principal = principal;
    this.operation = operation;
    this.resourceKind = resourceKind;
    this.resourceNames = resourceNames;
    this.type = type;
  }
}

const ACL_OPTION: Readonly<Record<AclResourceKind, string>> = { topic: '--topic', group: '--group', 'transactional id': '--transactional-id', cluster: '--cluster' };

/** The kafka-acls.sh line for the first resource named, if any. */
function grantHint({ principal, operation, resourceKind, resourceNames }: AuthorizationContext): string {
  const name = resourceNames[0];
  if (name === undefined && resourceKind !== 'cluster') return '';
  const resource = resourceKind === 'cluster' ? '--cluster' : `${ACL_OPTION[resourceKind]} ${name}`;
  return ` (kafka-acls.sh --add --allow-principal ${principal} --operation ${operation} ${resource})`;
}

interface ErrorFields {
  type?: string;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** The authorization type of an error or its causes (`TOPIC_AUTHORIZATION_FAILED`, ...), if it is a refusal. */
export function authorizationType(error: unknown): string | undefined {
  let e = error as ErrorFields | undefined;
  for (let depth = 0; e !== undefined && e !== null && typeof e === 'object' && depth < 6; depth++) {
    if (e instanceof AuthorizationError) return e.type;
    if (typeof e.type === 'string' && AUTHORIZATION_TYPES.has(e.type)) return e.type;
    // kafkajs's KafkaJSAggregateError (topic creation) holds one error per topic.
    if (Array.isArray(e.errors)) {
      const inner = e.errors.map(authorizationType).find((t) => t !== undefined);
      if (inner !== undefined) return inner;
    }
    e = (e.cause ?? e.originalError) as ErrorFields | undefined;
  }
  return undefined;
}

/**
 * The error as an {@link AuthorizationError} when it is a refusal, else the error itself. A refusal
 * of another kind of resource than the context's (a topic refused during a group call) keeps the
 * principal and says the kind the broker named, without a name.
 */
export function toAuthorizationError(error: unknown, context: AuthorizationContext): unknown {
  if (error instanceof AuthorizationError) return error;
  const type = authorizationType(error);
  if (type === undefined) return error;
  const kind = AUTHORIZATION_TYPES.get(type)!;
  const matched = kind === context.resourceKind ? context : { ...context, resourceKind: kind, resourceNames: [], operation: kind === 'group' ? 'READ' : context.operation };
  return new AuthorizationError(matched, type, error);
}

/**
 * The principal the brokers see for these client settings, as far as the client can tell: with
 * SASL PLAIN or SCRAM, `User:<username>`; otherwise a description (the broker maps a TLS client
 * certificate or an OAuth token to its principal by its own rules).
 */
export function principalOf(sasl: { mechanism?: string; username?: string } | null | undefined, ssl: unknown): string {
  const mechanism = sasl?.mechanism?.toLowerCase();
  if (mechanism !== undefined && /^(plain|scram-sha-256|scram-sha-512)$/.test(mechanism) && typeof sasl?.username === 'string') return `User:${sasl.username}`;
  if (mechanism !== undefined) return `the principal of the app's ${mechanism.toUpperCase()} credentials`;
  if (ssl !== undefined && ssl !== false && ssl !== null) return "the principal of the app's TLS client certificate (User:ANONYMOUS without one)";
  return 'User:ANONYMOUS';
}
