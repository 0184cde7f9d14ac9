/**
 * A secured Kafka broker of a test file's own (scripts/kafka.mjs with KAFKA_SECURE): SASL_SSL with
 * SCRAM-SHA-512 users, a throwaway CA, ACLs on and nothing allowed without one. It runs on free
 * ports under a new home, next to the suite's plain broker; a file starts one in `beforeAll`
 * (10-20 s) and shares it across its tests, each with its own SCRAM user and application id.
 * Every broker started here is killed by pid in `afterAll`, or when the worker exits.
 *
 * @example
 * let broker: SecureBroker;
 * beforeAll(async () => {
 *   broker = await startSecureBroker({ users: ['wc'] });
 * });
 * it('runs', async () => {
 *   await broker.grant(planAcls(topology, { applicationId, principal: 'User:wc', processingGuarantee: 'at_least_once' }).acls);
 *   const app = new StreamsApp(topology, { applicationId, ...broker.clientSettings('wc') });
 * });
 */
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin } from 'kafkajs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaTestHarness } from '@rivulet/testing';
import { afterAll } from 'vitest';
import {
  brokerSettings,
  readSecurity,
  secureClientSettings,
  SECURE_ADMIN_USER,
  startBroker,
  stopBrokerProcess,
  type BrokerSettings,
} from '../../../../scripts/kafka.mjs';

/** What a client of the secured broker passes to kafkajs (and to a StreamsApp's config). */
export interface SecureClientSettings {
  readonly brokers: string[];
  readonly ssl: { ca: string[] };
  readonly sasl: { mechanism: 'scram-sha-512'; username: string; password: string };
}

/** An ACL to create, as `planAcls` gives them (ALLOW from any host). */
export interface AclToGrant {
  readonly principal: string;
  readonly resourceType: 'TOPIC' | 'GROUP' | 'TRANSACTIONAL_ID' | 'CLUSTER';
  readonly patternType: 'LITERAL' | 'PREFIXED';
  readonly resourceName: string;
  readonly operation: string;
}

/** A running secured broker. */
export interface SecureBroker {
  /** `127.0.0.1:<port>`, the SASL_SSL listener. */
  readonly bootstrap: string;
  readonly settings: BrokerSettings;
  /** The kafkajs settings of a SCRAM user (`admin` is the super user). */
  clientSettings(user?: string): SecureClientSettings;
  /** A test harness logged in as the super user. */
  admin(): KafkaTestHarness;
  /** Creates the ACLs as the super user. */
  grant(acls: readonly AclToGrant[]): Promise<void>;
  /** Every secret of the broker: SCRAM passwords, key store and trust store passwords. */
  secrets(): string[];
  /** Kills the broker by pid and removes its home. */
  close(): Promise<void>;
}

const open = new Set<SecureBroker>();

async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: n }, () => new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Starts a secured broker with the SCRAM users `users` (and `admin`) on free ports. */
export async function startSecureBroker({ users }: { users: readonly string[] }): Promise<SecureBroker> {
  const [port, controllerPort] = await freePorts(2);
  const home = mkdtempSync(join(tmpdir(), 'rivulet-secure-kafka-'));
  const settings = brokerSettings({
    ...process.env,
    KAFKA_SECURE: '1',
    KAFKA_SECURE_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_SCRAM_USERS: users.join(','),
    RIVULET_KAFKA_HOME: home,
    KAFKA_HEAP: '512m',
  });
  let pid: number | undefined;
  let closed = false;
  const broker: SecureBroker = {
    bootstrap: settings.bootstrap,
    settings,
    clientSettings: (user = SECURE_ADMIN_USER) => secureClientSettings(settings, user),
    admin() {
      const { brokers, ssl, sasl } = broker.clientSettings();
      return new KafkaTestHarness(brokers, { ssl, sasl });
    },
    async grant(acls) {
      await broker.admin().withAdmin((admin: Admin) =>
        admin.createAcls({
          acl: acls.map((a) => ({
            principal: a.principal,
            host: '*',
            resourceType: AclResourceTypes[a.resourceType],
            resourceName: a.resourceName,
            resourcePatternType: ResourcePatternTypes[a.patternType],
            operation: AclOperationTypes[a.operation as keyof typeof AclOperationTypes],
            permissionType: AclPermissionTypes.ALLOW,
          })),
        }),
      );
    },
    secrets() {
      const sec = readSecurity(home);
      return [sec.caPassword, sec.keystorePassword, sec.truststorePassword, ...Object.values(sec.users)];
    },
    async close() {
      if (closed) return;
      closed = true;
      open.delete(broker);
      try {
        await stopBrokerProcess(settings, { kill: true, quiet: true });
      } finally {
        pid = undefined;
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
  open.add(broker);
  try {
    ({ pid } = await startBroker(settings));
  } catch (err) {
    await broker.close();
    throw err;
  }
  process.once('exit', () => {
    // A worker that exits without afterAll must not leave a JVM behind (it runs in its own group).
    if (pid === undefined) return;
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(home, { recursive: true, force: true });
  });
  return broker;
}

afterAll(async () => {
  await Promise.all([...open].map((b) => b.close()));
}, 60_000);

/** The broker's log, for a failure report. */
export function brokerLogTail(broker: SecureBroker, lines = 40): string {
  try {
    return readFileSync(broker.settings.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no broker log)';
  }
}
