import { describe, expect, it } from 'vitest';
import { AuthorizationError, principalOf, toAuthorizationError } from './authorization-error.js';
import { classifyError } from './error-classification.js';

const refusal = (type: string): Error => Object.assign(new Error('Not authorized'), { name: 'KafkaJSProtocolError', type, retriable: false });

describe('AuthorizationError', () => {
  it('names the principal, the operation and the resource, with the kafka-acls.sh line that grants it', () => {
    const error = new AuthorizationError({ principal: 'User:orders', operation: 'READ', resourceKind: 'topic', resourceNames: ['orders'] }, 'TOPIC_AUTHORIZATION_FAILED');
    expect(error.message).toBe(
      "not authorized: principal User:orders may not READ topic 'orders' (the broker answered TOPIC_AUTHORIZATION_FAILED). " +
        'Grant the ACL (kafka-acls.sh --add --allow-principal User:orders --operation READ --topic orders); the ACLs an app needs: rivulet topics MODULE --acls (docs/security.md)',
    );
    expect(error).toMatchObject({ category: 'fatal', action: 'fatal', principal: 'User:orders', operation: 'READ', resourceKind: 'topic', resourceNames: ['orders'] });
    expect(classifyError(error)).toBe('fatal');
  });

  it('wraps a refusal found in the causes, keeps other errors as they are, and says the kind the broker named', () => {
    const context = { principal: 'User:a', operation: 'READ', resourceKind: 'group', resourceNames: ['app'] } as const;
    const wrapped = toAuthorizationError(Object.assign(new Error('Failed to find group coordinator'), { cause: refusal('GROUP_AUTHORIZATION_FAILED') }), context);
    expect(wrapped).toBeInstanceOf(AuthorizationError);
    expect((wrapped as Error).message).toContain("principal User:a may not READ group 'app' (the broker answered GROUP_AUTHORIZATION_FAILED)");
    const other = new Error('connect ECONNREFUSED');
    expect(toAuthorizationError(other, context)).toBe(other);
    const send = toAuthorizationError(refusal('TOPIC_AUTHORIZATION_FAILED'), { principal: 'User:a', operation: 'WRITE', resourceKind: 'topic', resourceNames: ['x', 'y'] });
    expect((send as Error).message).toContain("principal User:a may not WRITE one of topic 'x', topic 'y' (");
    const topic = toAuthorizationError(refusal('TOPIC_AUTHORIZATION_FAILED'), context) as AuthorizationError;
    expect([topic.resourceKind, topic.resourceNames, topic.message]).toEqual(['topic', [], expect.stringContaining('may not READ the topic (')]);
  });

  it('tells the principal of SASL PLAIN and SCRAM users, and says what it cannot tell', () => {
    expect(principalOf({ mechanism: 'scram-sha-512', username: 'app', password: 'p' } as { mechanism: string; username: string }, { ca: [] })).toBe('User:app');
    expect(principalOf({ mechanism: 'plain', username: 'u' }, false)).toBe('User:u');
    expect(principalOf({ mechanism: 'oauthbearer' }, true)).toBe("the principal of the app's OAUTHBEARER credentials");
    expect(principalOf(null, { cert: 'x' })).toMatch(/TLS client certificate/);
    expect(principalOf(null, false)).toBe('User:ANONYMOUS');
  });
});
