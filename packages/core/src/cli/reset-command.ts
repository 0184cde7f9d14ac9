/**
 * `rivulet reset`: Kafka's kafka-streams-application-reset for a Rivulet app. Refuses while the
 * app's consumer group has members, moves the group's committed offsets of the input topics, and
 * deletes the app's internal topics. Local state is the app's to wipe (`app.cleanUp()`).
 */
import type { Admin } from 'kafkajs';
import { CLI_EXIT, commandHelp, listOption, parseCommandArgs, requiredString, UsageError, type OptionSpec } from './args.js';
import { bootstrapServers, connectAdmin, type CliIo } from './cli-support.js';
import { describePlan, planReset, resetTarget, type PartitionOffsets, type ResetTarget } from './reset-plan.js';

const OPTIONS = {
  'application-id': { type: 'string', value: 'ID', help: "the app's applicationId (its consumer group id and internal topics' prefix); required" },
  'bootstrap-servers': { type: 'string', value: 'HOST:PORT[,...]', help: 'the brokers to connect to; required' },
  'input-topics': { type: 'string', value: 'a,b', help: "the app's input topics whose committed offsets are reset (comma-separated)" },
  'to-earliest': { type: 'boolean', help: 'reset to the earliest offset still in the log (the default)' },
  'to-latest': { type: 'boolean', help: 'reset to the end: skip every record there now' },
  'to-datetime': { type: 'string', value: 'ISO', help: 'reset to the first record at or after this time, such as 2026-12-01T10:00:00Z' },
  'to-offset': { type: 'string', value: 'N', help: 'reset every partition to offset N (kept within the log)' },
  'by-duration': { type: 'string', value: 'PnDTnHnM', help: 'reset to the first record at or after this long ago, such as P1D or PT30M' },
  'dry-run': { type: 'boolean', help: 'print what would be reset and deleted, and change nothing' },
} satisfies Record<string, OptionSpec>;

const USAGE =
  'rivulet reset --application-id ID --bootstrap-servers HOST:PORT [--input-topics a,b] ' +
  '[--to-earliest | --to-latest | --to-datetime ISO | --to-offset N | --by-duration PnDTnHnM] [--dry-run]';

/** `rivulet reset --help`. */
export const RESET_HELP = commandHelp(
  USAGE,
  'Resets an application so that it reprocesses its input, as Kafka\'s kafka-streams-application-reset:\n' +
    "every instance of the app must be stopped (the consumer group must have no members); the group's\n" +
    'committed offsets of the input topics are moved, and the internal topics (<applicationId>-...-repartition,\n' +
    '-changelog) are deleted. Local state is not touched: call app.cleanUp() before the next start.\n' +
    'Exit codes: 0 done, 1 failed (such as an instance still running), 2 wrong usage.',
  OPTIONS,
);

/** Runs `rivulet reset` with its arguments; resolves with the exit code. */
export async function resetCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('reset', argv, OPTIONS);
  if (args.values['help'] === true) {
    io.out(RESET_HELP);
    return CLI_EXIT.OK;
  }
  if (args.positionals.length > 0) throw new UsageError(`reset: unexpected argument '${args.positionals[0]}'`);
  const applicationId = requiredString('reset', args, 'application-id');
  const bootstrap = requiredString('reset', args, 'bootstrap-servers');
  bootstrapServers('reset', bootstrap);
  const inputTopics = listOption(args, 'input-topics') ?? [];
  const dryRun = args.values['dry-run'] === true;
  const target = resetTarget(args.values, Date.now());

  return connectAdmin(bootstrap, applicationId, async (admin) => {
    // Kafka's tool refuses while the group has members: an instance would go on committing the
    // offsets it holds, and write to the topics about to be deleted.
    const [group] = (await admin.describeGroups([applicationId])).groups;
    const members = group?.members ?? [];
    if (members.length > 0) {
      io.err(
        `reset: consumer group '${applicationId}' has ${members.length} active member${members.length === 1 ? '' : 's'}: ` +
          `${members.map((m) => `${m.memberId} (client ${m.clientId} on ${m.clientHost})`).join(', ')}. ` +
          'Stop every instance of the app (app.close()), or wait until the broker drops them (session timeout), then run the reset again.',
      );
      return CLI_EXIT.FAILURE;
    }
    const topics = await admin.listTopics();
    const existing = inputTopics.filter((t) => topics.includes(t));
    const partitions = new Map<string, PartitionOffsets[]>();
    const committed = existing.length > 0 ? await admin.fetchOffsets({ groupId: applicationId, topics: existing }) : [];
    for (const topic of existing) partitions.set(topic, await partitionOffsets(admin, topic, target, committed));
    const plan = planReset({ applicationId, inputTopics, topics, partitions }, target);
    if (!dryRun) {
      for (const topic of existing) {
        const moves = plan.offsets.filter((o) => o.topic === topic);
        if (moves.length > 0) await admin.setOffsets({ groupId: applicationId, topic, partitions: moves.map((o) => ({ partition: o.partition, offset: String(o.to) })) });
      }
      if (plan.deleteTopics.length > 0) await admin.deleteTopics({ topics: [...plan.deleteTopics] });
    }
    for (const line of describePlan(applicationId, plan, target, dryRun)) io.out(line);
    return CLI_EXIT.OK;
  }, io);
}

/** A topic's partitions: their log range, the group's committed offset and, for a time target, the offset at that time. */
async function partitionOffsets(
  admin: Admin,
  topic: string,
  target: ResetTarget,
  committed: Awaited<ReturnType<Admin['fetchOffsets']>>,
): Promise<PartitionOffsets[]> {
  const ranges = await admin.fetchTopicOffsets(topic);
  const atTime = target.kind === 'timestamp' ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, target.timestamp)).map((o) => [o.partition, Number(o.offset)])) : undefined;
  const ofTopic = committed.find((c) => c.topic === topic)?.partitions ?? [];
  return ranges
    .map((r) => {
      const c = ofTopic.find((p) => p.partition === r.partition)?.offset;
      const at = atTime?.get(r.partition);
      return {
        partition: r.partition,
        low: Number(r.low),
        high: Number(r.high),
        ...(c !== undefined && Number(c) >= 0 ? { committed: Number(c) } : {}),
        ...(at !== undefined && at >= 0 ? { atTimestamp: at } : {}),
      };
    })
    .sort((a, b) => a.partition - b.partition);
}
