/**
 * Writes docs/configuration.md from the code: every option of StreamsConfig with its TSDoc summary,
 * its default per processing guarantee and the Kafka property it corresponds to.
 * Run: node --conditions=@rivulet/source --import tsx scripts/config-docs.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { CLIENT_DEFAULTS, CONSUMER_DEFAULTS, GUARANTEE_DEFAULTS, PRODUCER_DEFAULTS } from '../packages/core/src/config/defaults.js';
import { KAFKA_PROPERTY_NAMES } from '../packages/core/src/config/property-names.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const configDir = `${root}packages/core/src/config/`;

/** The first paragraph of each member's TSDoc in an interface. */
function docsOf(file: string, iface: string): Map<string, string> {
  const source = ts.createSourceFile(file, readFileSync(configDir + file, 'utf8'), ts.ScriptTarget.Latest, true);
  const result = new Map<string, string>();
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== iface) return;
    for (const member of node.members) {
      if (!member.name || !ts.isIdentifier(member.name)) continue;
      const doc = ts.getJSDocCommentsAndTags(member).find(ts.isJSDoc);
      const text =
        typeof doc?.comment === 'string'
          ? doc.comment
          : (doc?.comment ?? []).map((c) => (ts.isJSDocLink(c) ? `\`${c.name?.getText() ?? ''}${c.text}\`` : c.text)).join('');
      result.set(member.name.text, text.split('\n\n')[0]!.replace(/\s+/g, ' ').replace(/\{@link ([^}]+)\}/g, '`$1`').trim());
    }
  });
  return result;
}

const fmt = (v: unknown): string =>
  v === undefined ? '' : v === null ? 'none' : v === Number.MAX_SAFE_INTEGER ? 'unlimited' : v === -1 ? '-1 (all)' : `\`${JSON.stringify(v)}\``;

const guarantees = ['at_most_once', 'at_least_once', 'exactly_once'] as const;
function defaultsFor(path: string): string {
  const [level, name] = path.includes('.') ? (path.split('.') as [string, string]) : ['', path];
  const per = guarantees.map((g) => {
    const d = GUARANTEE_DEFAULTS[g] as unknown as Record<string, Record<string, unknown>>;
    if (level === '' && name === 'commitIntervalMs') return (d as unknown as { commitIntervalMs: number }).commitIntervalMs;
    if (level === 'producer' && name in d['producer']!) return d['producer']![name];
    if (level === 'consumer' && name in d['consumer']!) return d['consumer']![name];
    return undefined;
  });
  if (per.some((v) => v !== undefined)) {
    if (per.every((v) => v === per[0])) return fmt(per[0]);
    return guarantees.map((g, i) => `${g}: ${fmt(per[i])}`).join('<br>');
  }
  const shared: Record<string, Record<string, unknown>> = {
    producer: PRODUCER_DEFAULTS,
    consumer: CONSUMER_DEFAULTS,
    '': CLIENT_DEFAULTS as unknown as Record<string, unknown>,
    retry: CLIENT_DEFAULTS.retry as unknown as Record<string, unknown>,
  };
  return fmt(shared[level]?.[name]);
}

const sections: [string, string, string, string][] = [
  ['App and client', '', 'streams-config.ts', 'StreamsConfig'],
  ['Producer (`producer.*`)', 'producer', 'producer-config.ts', 'StreamsProducerConfig'],
  ['Consumer (`consumer.*`)', 'consumer', 'consumer-config.ts', 'StreamsConsumerConfig'],
  ['Connection retries (`retry.*`)', 'retry', 'client-settings.ts', 'RetrySetting'],
];
const lines = [
  '# Configuration reference',
  '',
  'Generated from the code by `scripts/config-docs.ts`; do not edit by hand.',
  '',
  'Every option of `new StreamsApp(topology, config)`, validated when the app is constructed: an unknown',
  'key, a value out of range or a setting that contradicts `processingGuarantee` throws a `ConfigError`',
  'that names the setting and the fix. Defaults that depend on the guarantee are given per guarantee',
  '(see [guarantees.md](guarantees.md)).',
  '',
];
for (const [title, level, file, iface] of sections) {
  lines.push(`## ${title}`, '', '| option | Kafka property | default | meaning |', '|---|---|---|---|');
  for (const [name, doc] of docsOf(file, iface)) {
    const path = level === '' ? name : `${level}.${name}`;
    if (level === '' && ['producer', 'consumer', 'retry'].includes(name)) continue;
    const property = (KAFKA_PROPERTY_NAMES as Record<string, string | null>)[path];
    lines.push(`| \`${path}\` | ${property ? `\`${property}\`` : '-'} | ${defaultsFor(path)} | ${doc.replace(/\|/g, '\\|')} |`);
  }
  lines.push('');
}
writeFileSync(`${root}docs/configuration.md`, `${lines.join('\n')}`);
process.stdout.write(`wrote docs/configuration.md\n`);
