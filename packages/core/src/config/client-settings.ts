import type { ConnectionOptions } from 'node:tls';

/**
 * TLS to the brokers: `true` for TLS with Node's defaults (the system's CA store), or Node's TLS
 * options (`ca`, `cert`, `key`, `servername`, `rejectUnauthorized`...) as for `tls.connect`.
 * Kafka's `security.protocol=SSL` and `ssl.*` properties.
 */
export type SslSetting = boolean | ConnectionOptions;

/**
 * SASL with a user name and password: `PLAIN` or `SCRAM-SHA-256` / `SCRAM-SHA-512`. Kafka's
 * `sasl.mechanism` and the credentials of its `sasl.jaas.config`.
 */
export interface SaslPasswordSetting {
  /** The mechanism, in lower case as kafkajs names it. */
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  /** The user name. */
  username: string;
  /** The password. */
  password: string;
}

/** SASL `OAUTHBEARER`: the provider is called for a token whenever the client authenticates. */
export interface SaslOAuthBearerSetting {
  /** The mechanism. */
  mechanism: 'oauthbearer';
  /** Returns the bearer token to send. */
  oauthBearerProvider: () => Promise<{
    /** The token. */
    value: string;
  }>;
}

/** SASL `AWS` (IAM) with static credentials, for Amazon MSK. */
export interface SaslAwsSetting {
  /** The mechanism. */
  mechanism: 'aws';
  /** The identity to authorize as, usually the role or user id. */
  authorizationIdentity: string;
  /** The AWS access key id. */
  accessKeyId: string;
  /** The AWS secret access key. */
  secretAccessKey: string;
  /** The session token of temporary credentials, if any. */
  sessionToken?: string;
}

/** SASL authentication to the brokers: one of the mechanisms kafkajs supports. */
export type SaslSetting = SaslPasswordSetting | SaslOAuthBearerSetting | SaslAwsSetting;

/**
 * How the Kafka client retries a failed request to a broker (connecting, fetching metadata,
 * committing): exponential backoff from `initialRetryTimeMs` up to `maxRetryTimeMs`, at most
 * `retries` times. The producer's own retries are `producer.retries`.
 */
export interface RetrySetting {
  /** How many times a failed request is retried. Default 5 (kafkajs's). */
  retries?: number;
  /** The first backoff, in ms, before it grows. Default 300 (kafkajs's). Kafka's `retry.backoff.ms`. */
  initialRetryTimeMs?: number;
  /** The longest backoff, in ms. Default 30000 (kafkajs's). Kafka's `retry.backoff.max.ms`. */
  maxRetryTimeMs?: number;
}

/** {@link RetrySetting} with every field filled. */
export interface ResolvedRetrySetting {
  /** See {@link RetrySetting.retries}. */
  readonly retries: number;
  /** See {@link RetrySetting.initialRetryTimeMs}. */
  readonly initialRetryTimeMs: number;
  /** See {@link RetrySetting.maxRetryTimeMs}. */
  readonly maxRetryTimeMs: number;
}
