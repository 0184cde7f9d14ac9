/**
 * `rivulet topics MODULE`: the topics an app needs, and with `--create` the missing ones made; with
 * `--acls`, the ACLs its principal needs instead (no broker needed).
 */
import type { Admin } from 'kafkajs';
import { aclLines, planAcls } from './acl-plan.js';
import { CLI_EXIT, commandHelp, integerOption, parseCommandArgs, requiredString, UsageError, type OptionSpec } from './args.js';
import { bootstrapServers, connectAdmin, loadTopology, type CliIo } from './cli-support.js';
import { planTopics, topicsToCreate, type TopicPlan } from './topic-plan.js';

const OPTIONS = {
  'bootstrap-servers': { type: 'string', value: 'HOST:PORT[,...]', help: 'the brokers to connect to; required' },
  'application-id': { type: 'string', value: 'ID', help: "the app's applicationId, which names its internal topics (needed to create them)" },
  export: { type: 'string', value: 'NAME', help: 'the export to use (default: the default export, else the one Topology or StreamsBuilder exported)' },
  create: { type: 'boolean', help: 'create the missing topics (internal ones with the configs Rivulet uses)' },
  partitions: { type: 'string', value: 'N', help: 'partitions of a missing topic that no co-partitioned or sibling topic sizes (default 1)' },
  'replication-factor': { type: 'string', value: 'N', help: "replication factor of the topics created (default: the broker's)" },
  acls: { type: 'boolean', help: 'print the ACLs the app needs on a broker with an authorizer instead (docs/security.md); no broker needed' },
  principal: { type: 'string', value: 'PRINCIPAL', help: "with --acls: the app's principal, such as User:orders-app" },
  'processing-guarantee': { type: 'string', value: 'G', help: 'with --acls: at_least_once (default), at_most_once or exactly_once (which needs transactional ids)' },
} satisfies Record<string, OptionSpec>;

/** `rivulet topics --help`. */
export const TOPICS_HELP = commandHelp(
  'rivulet topics MODULE --bootstrap-servers HOST:PORT [--application-id ID] [--create] [--partitions N] [--replication-factor N] [--export NAME]\n' +
    '       rivulet topics MODULE --acls [--application-id ID] [--principal PRINCIPAL] [--processing-guarantee G] [--export NAME]',
  'Prints the topics an app needs: its sources and sinks, the topics of its global stores, and the internal\n' +
    'topics (repartition, changelog) with their partition counts and configs, and which topics must be\n' +
    'co-partitioned. With --create, creates the missing ones: a missing topic takes the partition count of the\n' +
    'topics it must be co-partitioned with. With --acls, prints the ACLs the principal needs instead.\n' +
    'Exit codes: 0 done, 1 failed (or the topics cannot work as they are), 2 wrong usage.',
  OPTIONS,
);

/** The internal topics' prefix when no --application-id is given. */
const PLACEHOLDER_ID = 'APPLICATION_ID';

/** Runs `rivulet topics`; resolves with the exit code. */
export async function topicsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('topics', argv, OPTIONS);
  if (args.values['help'] === true) {
    io.out(TOPICS_HELP);
    return CLI_EXIT.OK;
  }
  if (args.positionals.length !== 1) throw new UsageError(`topics: give one MODULE, got ${args.positionals.length === 0 ? 'none' : args.positionals.join(' ')}`);
  if (args.values['acls'] === true) return aclsCommand(args.positionals[0]!, args.values, io);
  const bootstrap = requiredString('topics', args, 'bootstrap-servers');
  bootstrapServers('topics', bootstrap);
  const givenId = args.values['application-id'] as string | undefined;
  if (givenId !== undefined && !/^[A-Za-z0-9._-]+$/.test(givenId)) throw new UsageError(`topics: --application-id '${givenId}' may hold only ASCII letters, digits, '.', '_' and '-'`);
  const create = args.values['create'] === true;
  const defaultPartitions = integerOption('topics', args, 'partitions', 1) ?? 1;
  const replicationFactor = integerOption('topics', args, 'replication-factor', 1) ?? -1;
  const topology = await loadTopology(args.positionals[0]!, args.values['export'] as string | undefined);
  const applicationId = givenId ?? PLACEHOLDER_ID;

  return connectAdmin(bootstrap, applicationId, async (admin) => {
    const names = await admin.listTopics();
    if (topology.hasUnresolvedPatterns()) topology.resolveSourcePatterns(names, applicationId);
    const named = new Set([
      ...topology.subTopologies().flatMap((s) => [...s.sourceTopics, ...s.sinks.flatMap((k) => (typeof k.topic === 'string' ? [k.topic] : []))]),
      ...topology.globalSubTopologies().flatMap((s) => s.sourceTopics),
    ]);
    const existing = await partitionCounts(admin, names.filter((t) => named.has(t) || t.startsWith(`${applicationId}-`)));
    const plan = await planTopics(topology, { applicationId, existing, defaultPartitions, replicationFactor });
    const shown = (t: string): string => (givenId === undefined ? t.replace(`${PLACEHOLDER_ID}-`, '<applicationId>-') : t);
    for (const line of planLines(plan, shown)) io.out(line);
    if (plan.problem !== undefined) {
      io.err(`topics: the existing topics cannot work as they are:\n${plan.problem}`);
      return CLI_EXIT.FAILURE;
    }
    if (!create) {
      const missing = plan.topics.filter((t) => !t.exists).length;
      if (missing > 0) io.out(`${missing} topic${missing === 1 ? '' : 's'} missing: add --create to create ${missing === 1 ? 'it' : 'them'}.`);
      return CLI_EXIT.OK;
    }
    let toCreate = topicsToCreate(plan, replicationFactor);
    if (givenId === undefined) {
      const internal = toCreate.filter((t) => t.topic.startsWith(`${PLACEHOLDER_ID}-`));
      if (internal.length > 0) io.out(`Internal topics not created: give --application-id to name them (the app creates them at start).`);
      toCreate = toCreate.filter((t) => !t.topic.startsWith(`${PLACEHOLDER_ID}-`));
    }
    if (toCreate.length === 0) {
      io.out('Nothing to create.');
      return CLI_EXIT.OK;
    }
    await admin.createTopics({
      waitForLeaders: true,
      topics: toCreate.map((t) => ({
        topic: t.topic,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        ...(t.configs !== undefined ? { configEntries: Object.entries(t.configs).map(([name, value]) => ({ name, value })) } : {}),
      })),
    });
    for (const t of toCreate) io.out(`created ${t.topic} (${t.numPartitions} partition${t.numPartitions === 1 ? '' : 's'})`);
    return CLI_EXIT.OK;
  }, io);
}

const GUARANTEES = ['at_most_once', 'at_least_once', 'exactly_once'] as const;

/** `rivulet topics MODULE --acls`: the app's minimal ACLs, from the topology alone. */
async function aclsCommand(module: string, values: Readonly<Record<string, string | boolean | undefined>>, io: CliIo): Promise<number> {
  for (const option of ['create', 'bootstrap-servers', 'partitions', 'replication-factor']) {
    if (values[option] !== undefined) throw new UsageError(`topics: --acls prints ACLs and connects to no broker: drop --${option}`);
  }
  const givenId = values['application-id'] as string | undefined;
  if (givenId !== undefined && !/^[A-Za-z0-9._-]+$/.test(givenId)) throw new UsageError(`topics: --application-id '${givenId}' may hold only ASCII letters, digits, '.', '_' and '-'`);
  const principal = (values['principal'] as string | undefined) ?? 'User:<principal>';
  if (!/^[A-Za-z]+:.+$/.test(principal)) throw new UsageError(`topics: --principal '${principal}' is not a principal: give TYPE:NAME, such as User:orders-app`);
  const guarantee = ((values['processing-guarantee'] as string | undefined) ?? 'at_least_once').replace(/^exactly_once_v2$/, 'exactly_once');
  if (!(GUARANTEES as readonly string[]).includes(guarantee)) {
    throw new UsageError(`topics: --processing-guarantee '${guarantee}' is not one of ${GUARANTEES.join(', ')}`);
  }
  const topology = await loadTopology(module, values['export'] as string | undefined);
  const plan = planAcls(topology, {
    applicationId: givenId ?? '<applicationId>',
    principal,
    processingGuarantee: guarantee as (typeof GUARANTEES)[number],
  });
  for (const line of aclLines(plan)) io.out(line);
  return CLI_EXIT.OK;
}

/** Partition counts of the given existing topics. */
async function partitionCounts(admin: Admin, names: readonly string[]): Promise<Map<string, number>> {
  if (names.length === 0) return new Map();
  const { topics } = await admin.fetchTopicMetadata({ topics: [...names] });
  return new Map(topics.map((t) => [t.name, t.partitions.length]));
}

/** The plan as a table and the co-partition groups. */
export function planLines(plan: TopicPlan, shown: (topic: string) => string = (t) => t): string[] {
  const rows = plan.topics.map((t) => [
    t.role,
    shown(t.topic),
    String(t.partitions),
    t.exists ? 'exists' : 'missing',
    Object.entries(t.configs).map(([k, v]) => `${k}=${v}`).join(','),
  ]);
  const header = ['ROLE', 'TOPIC', 'PARTITIONS', 'STATUS', 'CONFIGS'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (r: readonly string[]): string => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const lines = [format(header), ...rows.map(format)];
  for (const group of plan.copartitionGroups) lines.push(`co-partitioned (same partition count): ${group.map(shown).join(', ')}`);
  return lines;
}
