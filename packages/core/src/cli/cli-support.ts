/**
 * What the `rivulet` commands share: where their output goes, the admin client they connect with,
 * and loading a user's topology from a module.
 */
import { existsSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Admin } from 'kafkajs';
import { KafkajsClient } from '../client/internals/kafkajs/kafkajs-client.js';
import type { Topology } from '../topology/topology.js';
import { UsageError } from './args.js';

/** Where a command writes: `out` for its result (stdout), `err` for problems (stderr). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** A failure talking to the brokers, said in one line (exit code 1). */
export class CliFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliFailure';
  }
}

/** The bootstrap list, checked: `host:port[,host:port]`. */
export function bootstrapServers(command: string, text: string): string[] {
  const list = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = list.find((s) => !/^[^\s:]+:\d{1,5}$/.test(s) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(s));
  if (list.length === 0 || bad !== undefined) throw new UsageError(`${command}: --bootstrap-servers '${text}' is not a list of host:port`);
  return list;
}

/**
 * Runs `use` with a connected kafkajs admin client (Rivulet's kafkajs adapter, quiet unless it has
 * something to warn about), and disconnects it after. A broker that cannot be reached is a
 * {@link CliFailure}.
 */
export async function connectAdmin<T>(bootstrap: string, clientId: string, use: (admin: Admin) => Promise<T>, io?: CliIo): Promise<T> {
  const brokers = bootstrapServers('connect', bootstrap);
  const warn = (message: string): void => io?.err(`warning: ${message}`);
  const client = new KafkajsClient({
    brokers,
    clientId: `rivulet-cli-${clientId}`,
    connectionTimeoutMs: 5_000,
    requestTimeoutMs: 30_000,
    retry: { retries: 3, initialRetryTimeMs: 300, maxRetryTimeMs: 3_000 },
    logLevel: 'nothing',
    logger: { debug: () => undefined, info: () => undefined, warn, error: warn },
  });
  const admin = client.kafka.admin();
  try {
    await admin.connect();
  } catch (error) {
    throw new CliFailure(`cannot connect to ${brokers.join(',')}: ${(error as Error).message}`);
  }
  try {
    return await use(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** What a module may export for `describe` and `topics`. */
const SHAPES = 'a Topology, a StreamsBuilder, or a function returning one of them';

function isTopology(value: unknown): value is Topology {
  const v = value as Partial<Record<string, unknown>> | null;
  return typeof v === 'object' && v !== null && typeof v['describe'] === 'function' && typeof v['subTopologies'] === 'function' && typeof v['internalTopicDefs'] === 'function';
}

function isBuilder(value: unknown): value is { build(): unknown } {
  return typeof value === 'object' && value !== null && typeof (value as { build?: unknown }).build === 'function';
}

/** A Topology from an export: itself, a builder's `build()`, or what a function returns (awaited). */
async function toTopology(value: unknown, name: string): Promise<Topology> {
  let v = value;
  if (typeof v === 'function') v = await (v as () => unknown)();
  if (isBuilder(v) && !isTopology(v)) v = v.build();
  if (!isTopology(v)) throw new UsageError(`the export '${name}' is not ${SHAPES}`);
  return v;
}

/**
 * Imports a user's module and takes its topology: the export named `exportName`, else the default
 * export, else its one export that is a Topology or a StreamsBuilder. A TypeScript module is
 * imported through tsx when the process cannot load `.ts` by itself. The module is run, so it
 * should build the topology without starting the app (keep `runApp` in a separate entry file).
 */
export async function loadTopology(modulePath: string, exportName: string | undefined): Promise<Topology> {
  // `npm run rivulet` runs in the repository's root: a relative path is the caller's (INIT_CWD).
  const file = resolve(process.env['INIT_CWD'] ?? process.cwd(), modulePath);
  if (!existsSync(file)) throw new UsageError(`module '${modulePath}' not found (resolved to ${file})`);
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !['.ts', '.mts', '.cts', '.tsx'].includes(extname(file))) throw error;
    // Node without type stripping: load TypeScript through tsx, if the project has it.
    const tsxApi = 'tsx/esm/api';
    const tsx = (await import(tsxApi).catch(() => {
      throw new UsageError(`module '${modulePath}' is TypeScript: install tsx (npm i -D tsx), or point rivulet at the compiled .js`);
    })) as { tsImport(specifier: string, parent: string): Promise<Record<string, unknown>> };
    mod = await tsx.tsImport(url, import.meta.url);
  }
  if (exportName !== undefined) {
    if (!(exportName in mod)) throw new UsageError(`module '${modulePath}' has no export '${exportName}'; its exports: ${Object.keys(mod).sort().join(', ') || 'none'}`);
    return toTopology(mod[exportName], exportName);
  }
  if (mod['default'] !== undefined) return toTopology(mod['default'], 'default');
  const candidates = Object.entries(mod).filter(([, v]) => isTopology(v) || isBuilder(v));
  if (candidates.length === 1) return toTopology(candidates[0]![1], candidates[0]![0]);
  throw new UsageError(
    candidates.length === 0
      ? `module '${modulePath}' exports no Topology or StreamsBuilder: name the export to use with --export NAME (${SHAPES}); its exports: ${Object.keys(mod).sort().join(', ') || 'none'}`
      : `module '${modulePath}' exports several topologies (${candidates.map(([k]) => k).join(', ')}): choose one with --export NAME`,
  );
}
