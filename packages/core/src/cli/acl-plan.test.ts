import { serdes } from '@rivulet/serde';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Topology } from '../topology/topology.js';
import { planAcls } from './acl-plan.js';
import { runCli } from './main.js';

const string = { key: serdes.string(), value: serdes.string() };
const fixture = (name: string): string => fileURLToPath(new URL(`../../test/fixtures/cli/${name}`, import.meta.url));

async function run(args: string[]): Promise<{ code: number; out: string[]; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => void out.push(...t.split('\n')), err: (t) => void err.push(t) });
  return { code, out, err: err.join('\n') };
}

const row = (a: { resourceType: string; patternType: string; resourceName: string; operation: string }): string =>
  `${a.resourceType} ${a.patternType} ${a.resourceName} ${a.operation}`;

describe('planAcls', () => {
  it('grants read on the sources, write on the sinks, all on the prefixed internal topics and groups, and transactional ids under exactly_once', () => {
    const topology = new Topology()
      .addSource('in', 'orders', string)
      .addSource('in2', 'payments', string)
      .addProcessor('p', () => ({ process: () => undefined }), 'in', 'in2')
      .addSink('out', 'enriched', string, 'p');
    const eos = planAcls(topology, { applicationId: 'shop', principal: 'User:shop', processingGuarantee: 'exactly_once', deadLetterTopics: ['shop-dlq'] });
    expect(eos.acls.map(row)).toEqual([
      'TOPIC LITERAL orders READ',
      'TOPIC LITERAL payments READ',
      'TOPIC LITERAL enriched WRITE',
      'TOPIC LITERAL shop-dlq WRITE',
      'TOPIC PREFIXED shop- CREATE',
      'TOPIC PREFIXED shop- DESCRIBE',
      'TOPIC PREFIXED shop- READ',
      'TOPIC PREFIXED shop- WRITE',
      'GROUP LITERAL shop READ',
      'GROUP PREFIXED shop- READ',
      'TRANSACTIONAL_ID PREFIXED shop- WRITE',
      'TRANSACTIONAL_ID PREFIXED shop- DESCRIBE',
    ]);
    expect(new Set(eos.acls.map((a) => a.principal))).toEqual(new Set(['User:shop']));
    expect(eos.notes).toEqual([]);
    const alos = planAcls(topology, { applicationId: 'shop', principal: 'User:shop', processingGuarantee: 'at_least_once' });
    expect(alos.acls.some((a) => a.resourceType === 'TRANSACTIONAL_ID')).toBe(false);
    expect(alos.acls.some((a) => a.resourceType === 'CLUSTER')).toBe(false);
  });

  it('leaves internal topics to the prefix and says what it cannot name: pattern sources, per-record sink topics', () => {
    const topology = new Topology()
      .addSource('in', /^clicks-.*/, string)
      .addSink('out', (record: { key: unknown }) => `out-${String(record.key)}`, string, 'in');
    const plan = planAcls(topology, { applicationId: 'a', principal: 'User:a', processingGuarantee: 'at_least_once' });
    expect(plan.acls.filter((a) => a.patternType === 'LITERAL' && a.resourceType === 'TOPIC')).toEqual([]);
    expect(plan.notes).toEqual([
      "source 'in' reads the topics matching /^clicks-.*/: grant READ on each (LITERAL, or PREFIXED when they share a prefix)",
      "sink 'out' chooses its topic per record: grant WRITE on every topic it may choose",
    ]);
  });
});

describe('rivulet topics --acls', () => {
  it("prints the module's ACLs for the principal without a broker", async () => {
    const result = await run(['topics', fixture('topologies.ts'), '--export', 'builder', '--acls', '--application-id', 'counter', '--principal', 'User:app', '--processing-guarantee', 'exactly_once']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    expect(result.out[0]).toMatch(/^PRINCIPAL +RESOURCE +PATTERN +NAME +OPERATION +WHY$/);
    expect(result.out.slice(1).map((l) => l.split(/ {2,}/).slice(0, 5).join(' '))).toEqual([
      'User:app TOPIC LITERAL cli-count-in READ',
      'User:app TOPIC LITERAL cli-count-copies WRITE',
      'User:app TOPIC LITERAL cli-count-totals WRITE',
      'User:app TOPIC PREFIXED counter- CREATE',
      'User:app TOPIC PREFIXED counter- DESCRIBE',
      'User:app TOPIC PREFIXED counter- READ',
      'User:app TOPIC PREFIXED counter- WRITE',
      'User:app GROUP LITERAL counter READ',
      'User:app GROUP PREFIXED counter- READ',
      'User:app TRANSACTIONAL_ID PREFIXED counter- WRITE',
      'User:app TRANSACTIONAL_ID PREFIXED counter- DESCRIBE',
    ]);
  });

  it('shows placeholders without --application-id and --principal, and refuses broker options and a bad guarantee (exit 2)', async () => {
    const placeholders = await run(['topics', fixture('topologies.ts'), '--export', 'upper', '--acls']);
    expect(placeholders.code).toBe(0);
    expect(placeholders.out).toContainEqual(expect.stringMatching(/^User:<principal> +GROUP +LITERAL +<applicationId> +READ/));
    const withCreate = await run(['topics', fixture('topologies.ts'), '--export', 'upper', '--acls', '--create']);
    expect([withCreate.code, withCreate.err]).toEqual([2, expect.stringContaining('--acls prints ACLs and connects to no broker: drop --create')]);
    const guarantee = await run(['topics', fixture('topologies.ts'), '--export', 'upper', '--acls', '--processing-guarantee', 'twice']);
    expect([guarantee.code, guarantee.err]).toEqual([2, expect.stringContaining("--processing-guarantee 'twice' is not one of at_most_once, at_least_once, exactly_once")]);
  });
});
