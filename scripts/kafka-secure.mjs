/**
 * What the secured local broker adds to scripts/kafka.mjs (`node scripts/kafka.mjs start --secure`,
 * `startBroker(brokerSettings({ ...env, KAFKA_SECURE: '1' }))`): a throwaway CA and a broker
 * keystore and truststore made with the JDK's keytool, SCRAM-SHA-512 users written into the KRaft
 * storage at format time (`kafka-storage format --add-scram`), and the server properties of a
 * SASL_SSL listener with ACLs on (StandardAuthorizer, `allow.everyone.if.no.acl.found=false`).
 *
 * - Clients connect to `SASL_SSL://127.0.0.1:<port>` with SCRAM-SHA-512 and trust `ca.pem`.
 * - The broker talks to itself (transaction markers, the controller forwarding) over the same
 *   SASL_SSL listener as the super user `admin`.
 * - The controller listener is TLS with client certificates required: only a holder of the broker's
 *   key (principal `User:CN=rivulet-broker`, the second super user) gets in; SCRAM cannot guard a
 *   KRaft controller listener, since the credentials live in the metadata it serves.
 *
 * Every password (key stores, SCRAM users) is random per format and kept in `<home>/security.json`
 * (mode 0600), so a restart on the kept data finds them; nothing here prints them.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import tls from 'node:tls';
import { join } from 'node:path';

/** The SCRAM user every secured broker has: a super user (ACLs do not apply to it). */
export const SECURE_ADMIN_USER = 'admin';
/** The principal of the broker's own TLS certificate, on the controller listener. */
export const BROKER_CERT_PRINCIPAL = 'User:CN=rivulet-broker';
/** A SCRAM user name: letters, digits, `.`, `_` and `-` (no `,`, `=` or `]`, which --add-scram parses). */
const USER_NAME = /^[A-Za-z0-9._-]+$/;

const secret = () => randomBytes(18).toString('hex');

/** Where the secured broker's files live under its home. */
export function securePaths(home) {
  const dir = join(home, 'security');
  return {
    dir,
    file: join(home, 'security.json'),
    caStore: join(dir, 'ca.p12'),
    caPem: join(dir, 'ca.pem'),
    keystore: join(dir, 'broker-keystore.p12'),
    truststore: join(dir, 'broker-truststore.p12'),
    csr: join(dir, 'broker.csr'),
    cert: join(dir, 'broker.crt'),
  };
}

function keytool(args, what) {
  const r = spawnSync('keytool', args, { encoding: 'utf8' });
  if (r.error !== undefined) throw new Error(`keytool (from the JDK) is needed for the secured broker: ${r.error.message}`);
  if (r.status !== 0) {
    // keytool echoes no passwords; its last lines say what went wrong.
    const tail = `${r.stdout}\n${r.stderr}`.trim().split('\n').slice(-3).join(' | ');
    throw new Error(`keytool could not ${what}: ${tail}`);
  }
}

/**
 * Makes the throwaway CA, the broker's key pair signed by it (SAN 127.0.0.1 and localhost, so
 * clients verify the host name) and the truststore, all PKCS12, valid for 30 days.
 */
function makeCertificates(p, sec) {
  rmSync(p.dir, { recursive: true, force: true });
  mkdirSync(p.dir, { recursive: true, mode: 0o700 });
  const san = 'SAN=ip:127.0.0.1,dns:localhost';
  const common = ['-storetype', 'PKCS12', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '30'];
  keytool(['-genkeypair', '-alias', 'ca', '-dname', 'CN=rivulet-test-ca', '-ext', 'bc:c', '-keystore', p.caStore, '-storepass', sec.caPassword, ...common], 'make the CA');
  keytool(['-exportcert', '-rfc', '-alias', 'ca', '-keystore', p.caStore, '-storepass', sec.caPassword, '-file', p.caPem], 'export the CA certificate');
  keytool(['-genkeypair', '-alias', 'broker', '-dname', 'CN=rivulet-broker', '-ext', san, '-keystore', p.keystore, '-storepass', sec.keystorePassword, ...common], 'make the broker key');
  keytool(['-certreq', '-alias', 'broker', '-keystore', p.keystore, '-storepass', sec.keystorePassword, '-file', p.csr], 'make the signing request');
  keytool(['-gencert', '-rfc', '-alias', 'ca', '-keystore', p.caStore, '-storepass', sec.caPassword, '-infile', p.csr, '-outfile', p.cert, '-ext', san, '-validity', '30'], 'sign the broker certificate');
  // The chain: the CA first, then the signed certificate replaces the self-signed one under 'broker'.
  keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', p.caPem, '-keystore', p.keystore, '-storepass', sec.keystorePassword], 'import the CA into the keystore');
  keytool(['-importcert', '-noprompt', '-alias', 'broker', '-file', p.cert, '-keystore', p.keystore, '-storepass', sec.keystorePassword], 'import the signed certificate');
  keytool(['-importcert', '-noprompt', '-alias', 'ca', '-file', p.caPem, '-keystore', p.truststore, '-storetype', 'PKCS12', '-storepass', sec.truststorePassword], 'make the truststore');
  for (const f of [p.caStore, p.keystore, p.truststore]) chmodSync(f, 0o600);
}

/**
 * Makes new secrets, certificates and stores for a freshly formatted secured broker and writes
 * `security.json`. `users` are the SCRAM users besides `admin`.
 */
export function prepareSecurity(s) {
  const users = [SECURE_ADMIN_USER, ...s.users.filter((u) => u !== SECURE_ADMIN_USER)];
  for (const u of users) if (!USER_NAME.test(u)) throw new Error(`SCRAM user name '${u}' may only use letters, digits, '.', '_' and '-'`);
  const sec = {
    caPassword: secret(),
    keystorePassword: secret(),
    truststorePassword: secret(),
    users: Object.fromEntries(users.map((u) => [u, secret()])),
  };
  const p = securePaths(s.home);
  makeCertificates(p, sec);
  writeFileSync(p.file, `${JSON.stringify(sec, null, 2)}\n`, { mode: 0o600 });
  return sec;
}

/** The secrets of the secured broker in `home` (made at its last format). */
export function readSecurity(home) {
  const p = securePaths(home);
  if (!existsSync(p.file)) throw new Error(`no ${p.file}: the secured broker's data dir was not formatted by this script`);
  return JSON.parse(readFileSync(p.file, 'utf8'));
}

/** The `--add-scram` arguments of `kafka-storage format`: one SCRAM-SHA-512 credential per user. */
export function scramFormatArgs(sec) {
  return Object.entries(sec.users).flatMap(([name, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${name},password=${password}]`]);
}

/** The server.properties lines of the secured broker, in place of the plain listener's. */
export function secureServerProperties(s, sec) {
  const p = securePaths(s.home);
  return [
    `listeners=SASL_SSL://127.0.0.1:${s.port},CONTROLLER://127.0.0.1:${s.controllerPort}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${s.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=SASL_SSL',
    'listener.security.protocol.map=CONTROLLER:SSL,SASL_SSL:SASL_SSL',
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${SECURE_ADMIN_USER}" password="${sec.users[SECURE_ADMIN_USER]}";`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${p.keystore}`,
    `ssl.keystore.password=${sec.keystorePassword}`,
    `ssl.key.password=${sec.keystorePassword}`,
    'ssl.truststore.type=PKCS12',
    `ssl.truststore.location=${p.truststore}`,
    `ssl.truststore.password=${sec.truststorePassword}`,
    'listener.name.controller.ssl.client.auth=required',
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    `super.users=User:${SECURE_ADMIN_USER};${BROKER_CERT_PRINCIPAL}`,
  ];
}

/**
 * Resolves true when a TLS handshake with the SASL_SSL listener succeeds against the CA: the
 * listener is up. (SASL needs a login before any request but ApiVersions, so the plain listener's
 * Metadata probe cannot be used; the start also waits for the broker's "started" log line.)
 */
export function tlsAnswers(port, caPem, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: [caPem], servername: 'localhost' });
    const done = (ok) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.once('secureConnect', () => done(socket.authorized));
  });
}

/**
 * The kafkajs client settings for a user of the secured broker: `brokers`, `ssl` (the CA) and
 * `sasl` (SCRAM-SHA-512). What `npm run kafka start -- --secure` prints and the tests connect with.
 */
export function secureClientSettings(s, user = SECURE_ADMIN_USER) {
  const sec = readSecurity(s.home);
  const password = sec.users[user];
  if (password === undefined) throw new Error(`the secured broker has no SCRAM user '${user}' (users: ${Object.keys(sec.users).join(', ')})`);
  return {
    brokers: [s.bootstrap],
    ssl: { ca: [readFileSync(securePaths(s.home).caPem, 'utf8')] },
    sasl: { mechanism: 'scram-sha-512', username: user, password },
  };
}
