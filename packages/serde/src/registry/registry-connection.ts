/**
 * How a {@link schemaRegistryClient} reaches its registry: the URL, HTTP basic auth (Confluent's
 * `basic.auth.user.info`) and TLS (Confluent's `schema.registry.ssl.*`), read and checked once,
 * and the failures that are about the connection rather than the request: a refused credential,
 * an untrusted certificate. See docs/security.md.
 */
import { Agent } from 'node:https';

/**
 * TLS to an `https://` registry, as Node's `tls.connect` options: the CA that signed the
 * registry's certificate (a private CA), and a client certificate and key for mutual TLS.
 * Confluent's `schema.registry.ssl.truststore.*` and `schema.registry.ssl.keystore.*`.
 *
 * @example
 * ```ts
 * const tls: SchemaRegistryTlsOptions = { ca: readFileSync('ca.pem'), cert: readFileSync('client.pem'), key: readFileSync('client-key.pem') };
 * ```
 */
export interface SchemaRegistryTlsOptions {
  /** The CA certificate(s) to trust, PEM; default Node's bundled CAs. */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** The client certificate chain, PEM, for a registry that asks for one (mutual TLS). */
  cert?: string | Buffer;
  /** The client's private key, PEM. */
  key?: string | Buffer;
  /** The client's key and certificate as PKCS#12 (a `.p12` / `.pfx` keystore), instead of `cert` and `key`. */
  pfx?: string | Buffer;
  /** The passphrase of `key` or `pfx`. */
  passphrase?: string;
  /** Refuse a registry whose certificate is not trusted; default `true`. Never `false` in production. */
  rejectUnauthorized?: boolean;
  /** The name to check the certificate against, when it is not the URL's host name. */
  servername?: string;
}

/** HTTP basic auth to the registry (Confluent Cloud: the API key and secret). */
export interface SchemaRegistryAuth {
  /** The user name (Confluent Cloud: the API key). */
  username: string;
  /** The password (Confluent Cloud: the API secret). */
  password: string;
}

/** What the client connects with, read from its options. */
export interface RegistryConnection {
  /** The base URL without user info or trailing slash: safe to print. */
  readonly host: string;
  readonly auth: SchemaRegistryAuth | undefined;
  /** An HTTPS agent carrying the TLS options, when some were given. */
  readonly agent: Agent | undefined;
  /** The password and TLS secrets, to scrub from messages. */
  readonly secrets: readonly string[];
}

const TLS_KEYS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;

/**
 * Reads and checks the connection options of a client: the URL (its user info taken as basic
 * auth), `auth` or `basicAuthUserInfo`, `tls`. Errors never quote a secret.
 *
 * @param factory - The factory's name, for messages.
 * @param options - The client's options.
 * @throws TypeError naming the wrong option.
 */
export function readConnection(
  factory: string,
  options: { url: string; auth?: SchemaRegistryAuth; basicAuthUserInfo?: string; tls?: SchemaRegistryTlsOptions },
): RegistryConnection {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError(`${factory}: options.url must be an http(s) URL like http://localhost:8081, got ${JSON.stringify(withoutUserInfo(options.url))}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`${factory}: options.url must be an http(s) URL, got ${JSON.stringify(withoutUserInfo(options.url))}`);
  }
  const given = [options.auth !== undefined, options.basicAuthUserInfo !== undefined, url.username !== ''].filter(Boolean).length;
  if (given > 1) throw new TypeError(`${factory}: give the credentials once: options.auth, options.basicAuthUserInfo or user info in options.url`);
  let auth = options.auth;
  if (options.basicAuthUserInfo !== undefined) {
    const info = options.basicAuthUserInfo;
    const colon = typeof info === 'string' ? info.indexOf(':') : -1;
    if (colon <= 0) throw new TypeError(`${factory}: options.basicAuthUserInfo must be 'username:password' (Confluent's basic.auth.user.info)`);
    auth = { username: info.slice(0, colon), password: info.slice(colon + 1) };
  }
  if (auth === undefined && url.username !== '') auth = { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  if (auth !== undefined && (typeof auth !== 'object' || typeof auth.username !== 'string' || typeof auth.password !== 'string')) {
    throw new TypeError(`${factory}: options.auth must be { username: string, password: string }`);
  }
  url.username = '';
  url.password = '';
  const host = url.href.replace(/\/$/, '');

  const tls = options.tls;
  if (tls !== undefined) {
    if (typeof tls !== 'object' || tls === null) throw new TypeError(`${factory}: options.tls must be TLS options such as { ca, cert, key }`);
    if (url.protocol !== 'https:') throw new TypeError(`${factory}: options.tls needs an https:// URL, got ${host}: fix the URL's scheme, or remove options.tls`);
    const unknown = Object.keys(tls).filter((key) => !(TLS_KEYS as readonly string[]).includes(key));
    if (unknown.length > 0) throw new TypeError(`${factory}: options.tls takes ${TLS_KEYS.join(', ')}; remove ${unknown.join(', ')}`);
  }
  const secrets = [auth?.password, tls?.passphrase, text(tls?.key), text(tls?.pfx)].filter((s): s is string => s !== undefined && s.length >= 4);
  // keepAlive: one connection (and one TLS handshake) for the client's requests, as the plain agent does.
  const agent = tls === undefined ? undefined : new Agent({ ...(tls as Record<string, unknown>), keepAlive: true });
  return { host, auth, agent, secrets };
}

function text(value: string | Buffer | undefined): string | undefined {
  return typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
}

/** A URL as it may be printed: its password replaced. */
function withoutUserInfo(url: unknown): unknown {
  return typeof url === 'string' ? url.replace(/\/\/([^/@:]*):[^/@]*@/, '//$1:[redacted]@') : url;
}

// Node's messages for a certificate it does not trust, a name that does not match, a TLS
// handshake that fails (a plain-HTTP server behind an https:// URL, a refused client certificate).
const TLS_FAILURE = /certificate|self[- ]signed|altnames|wrong version number|SSL routines|alert|handshake|EPROTO/i;

/**
 * The fix for a request that failed in the TLS handshake, or `undefined` for any other failure.
 * Such a failure is not retried: the certificate or the options must change.
 *
 * @param message - The failure's message, as the HTTP client reports it.
 * @param tls - Whether the client has TLS options.
 */
export function tlsFailureFix(message: string, tls: boolean): string | undefined {
  if (!TLS_FAILURE.test(message)) return undefined;
  if (/altnames|hostname/i.test(message)) return "the registry's certificate is for another host name: connect by a name it lists, or set tls.servername";
  if (/alert|handshake failure|certificate required/i.test(message)) return 'the registry refused the TLS handshake: it may want a client certificate (tls.cert and tls.key) signed by a CA it trusts';
  if (/wrong version number/i.test(message)) return 'the registry does not speak TLS on this port: use an http:// URL, or the registry\'s https port';
  return tls
    ? "the registry's certificate is not signed by a CA in tls.ca: give the CA that signed it as tls.ca"
    : "the registry's certificate is not signed by a trusted CA: give the CA that signed it as tls.ca";
}
