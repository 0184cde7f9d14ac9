/** Types for scripts/kafka.mjs, the local broker launcher. */
export declare const DEFAULT_KAFKA_VERSION: string;
export declare class BrokerError extends Error {}
export interface BrokerSettings {
  version: string;
  port: number;
  controllerPort: number;
  home: string;
  libs: string;
  pomDir: string;
  dataDir: string;
  logFile: string;
  pidFile: string;
  configFile: string;
  startTimeoutMs: number;
  heap: string;
  bootstrap: string;
  /** The secured broker (SASL_SSL, SCRAM-SHA-512, ACLs on): KAFKA_SECURE=1 or `--secure`. */
  secure: boolean;
  /** Its SCRAM users besides `admin` (KAFKA_SCRAM_USERS). */
  users: string[];
}
export declare function brokerSettings(env?: Record<string, string | undefined>): BrokerSettings;
export declare function fetchJars(s?: BrokerSettings): void;
export declare function metadataAnswers(port: number, timeoutMs?: number): Promise<boolean>;
export declare function brokerStatus(s?: BrokerSettings): Promise<BrokerSettings & { pid: number | undefined; running: boolean }>;
/** Starts the broker (a fresh cluster; with `keepData`, on the data dir an earlier start left, if any). */
export declare function startBroker(
  s?: BrokerSettings,
  options?: { keepData?: boolean },
): Promise<{ bootstrap: string; started: boolean; pid: number; clusterId?: string; keptData?: boolean }>;
/** Stops the broker and removes its data dir, unless `keepData`. */
export declare function stopBroker(s?: BrokerSettings, options?: { quiet?: boolean; keepData?: boolean }): Promise<void>;
/** Stops the broker if it runs and removes its data dir: the next start is a new, empty cluster. */
export declare function resetBroker(s?: BrokerSettings): Promise<void>;
/** Stops the broker process by its pid (SIGTERM, or SIGKILL with `kill`) and keeps its data dir; resolves with the pid stopped. */
export declare function stopBrokerProcess(
  s?: BrokerSettings,
  options?: { kill?: boolean; timeoutMs?: number; quiet?: boolean },
): Promise<number | undefined>;
/** Starts the broker again on the data dir of an earlier start: same cluster, topics and offsets. */
export declare function restartBroker(s?: BrokerSettings): Promise<{ bootstrap: string; started: boolean; pid: number }>;
/** Kills the broker, removes its data dir and starts a fresh one with a new cluster id on the same ports. */
export declare function wipeAndStartBroker(s?: BrokerSettings): Promise<{ bootstrap: string; started: boolean; pid: number; clusterId: string }>;
export { readSecurity, secureClientSettings, SECURE_ADMIN_USER } from './kafka-secure.mjs';
