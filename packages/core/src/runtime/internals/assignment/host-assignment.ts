/**
 * The hosts part of Rivulet's assignment, for interactive queries across instances (Kafka Streams'
 * `partitionsByHost` and `standbyPartitionsByHost` in its AssignmentInfo). Each member says its
 * `applicationServer` in its join metadata; the leader gives every member the list of every
 * server with the active and standby tasks of all its members (an instance with several stream
 * threads is several members with one server). A member without an `applicationServer` is left
 * out: its tasks have no host to query.
 */

/** One instance's tasks, as the leader tells every member. */
export interface HostTasks {
  /** Its `applicationServer`, `host:port`. */
  readonly server: string;
  /** Ids of the active tasks of all its members, sorted. */
  readonly tasks: readonly string[];
  /** Ids of the standby tasks of all its members, sorted. */
  readonly standbys: readonly string[];
}

const byTaskId = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/**
 * The hosts of a new assignment: every server named by a member, with its members' tasks and
 * standbys, in server order.
 */
export function hostsOf(
  servers: ReadonlyMap<string, string | undefined>,
  owned: ReadonlyMap<string, readonly string[]>,
  standbys: ReadonlyMap<string, readonly string[]>,
): HostTasks[] {
  const hosts = new Map<string, { tasks: string[]; standbys: string[] }>();
  for (const [memberId, server] of servers) {
    if (server === undefined) continue;
    let host = hosts.get(server);
    if (host === undefined) hosts.set(server, (host = { tasks: [], standbys: [] }));
    host.tasks.push(...(owned.get(memberId) ?? []));
    host.standbys.push(...(standbys.get(memberId) ?? []));
  }
  return [...hosts]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([server, h]) => {
      // Two stream threads of one instance may hold a task and its standby: the instance is its active host.
      const active = new Set(h.tasks);
      return { server, tasks: h.tasks.sort(byTaskId), standbys: [...new Set(h.standbys)].filter((t) => !active.has(t)).sort(byTaskId) };
    });
}

/** The `server` a member wrote in its join metadata, if any. */
export function serverOf(metadata: unknown): string | undefined {
  const server = (metadata as { server?: unknown } | undefined)?.server;
  return typeof server === 'string' && server !== '' ? server : undefined;
}

/**
 * The hosts the leader wrote into a member's assignment; `undefined` when it wrote none (a leader
 * of an older version).
 */
export function parseHosts(assignment: unknown): HostTasks[] | undefined {
  const hosts = (assignment as { hosts?: unknown } | undefined)?.hosts;
  if (!Array.isArray(hosts)) return undefined;
  const out: HostTasks[] = [];
  for (const h of hosts as unknown[]) {
    const server = serverOf(h);
    if (server === undefined) continue;
    const { tasks, standbys } = h as { tasks?: unknown; standbys?: unknown };
    out.push({ server, tasks: strings(tasks), standbys: strings(standbys) });
  }
  return out;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((t): t is string => typeof t === 'string') : [];
}
