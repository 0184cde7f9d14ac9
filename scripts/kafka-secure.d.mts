/** Types for scripts/kafka-secure.mjs, the secured local broker's certificates, users and settings. */
import type { BrokerSettings } from './kafka.mjs';

/** The secrets of a secured broker, made at its format (kept in `<home>/security.json`, mode 0600). */
export interface BrokerSecurity {
  caPassword: string;
  keystorePassword: string;
  truststorePassword: string;
  /** SCRAM-SHA-512 user name to password; `admin` is the super user. */
  users: Record<string, string>;
}
export declare const SECURE_ADMIN_USER: string;
export declare const BROKER_CERT_PRINCIPAL: string;
export declare function securePaths(home: string): { dir: string; file: string; caStore: string; caPem: string; keystore: string; truststore: string; csr: string; cert: string };
export declare function prepareSecurity(s: BrokerSettings): BrokerSecurity;
export declare function readSecurity(home: string): BrokerSecurity;
export declare function scramFormatArgs(sec: BrokerSecurity): string[];
export declare function secureServerProperties(s: BrokerSettings, sec: BrokerSecurity): string[];
export declare function tlsAnswers(port: number, caPem: string, timeoutMs?: number): Promise<boolean>;
/** The kafkajs client settings (brokers, ssl with the CA, SCRAM-SHA-512 sasl) of a user of the secured broker. */
export declare function secureClientSettings(
  s: BrokerSettings,
  user?: string,
): { brokers: string[]; ssl: { ca: string[] }; sasl: { mechanism: 'scram-sha-512'; username: string; password: string } };
