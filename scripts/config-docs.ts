/**
 * Writes docs/configuration.md from the settings table (packages/core/src/config/settings.ts):
 * every option of StreamsConfig with the Kafka property it corresponds to, its type, its default
 * per processing guarantee, what each guarantee demands of it, and its docs.
 * Run: node --conditions=@rivulet/source --import tsx scripts/config-docs.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GUARANTEES, OPTION_PATHS, settingAt } from '../packages/core/src/config/settings.js';
import type { OptionPath, Requirement, Setting } from '../packages/core/src/config/settings.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** A value as a user writes it, in code format; `show` where the setting renders its own. */
function fmt(setting: Setting<unknown>, value: unknown): string {
  if (value === undefined || value === null) return 'none';
  if (value === Number.MAX_SAFE_INTEGER) return 'unlimited';
  if (setting.read.show) return setting.read.show(value);
  return typeof value === 'string' ? `\`'${value}'\`` : `\`${String(value)}\``;
}

function defaultOf(setting: Setting<unknown>): string {
  if (setting.required !== undefined) return 'required';
  if (setting.shownDefault !== undefined) return setting.shownDefault;
  if ('perGuarantee' in setting) {
    const per = GUARANTEES.map((g) => fmt(setting, setting.perGuarantee[g]));
    return per.every((v) => v === per[0]) ? per[0]! : GUARANTEES.map((g, i) => `${g}: ${per[i]}`).join('<br>');
  }
  return 'default' in setting ? fmt(setting, setting.default) : '';
}

function rulesOf(setting: Setting<unknown>): string {
  const describe = (r: Requirement<unknown>): string =>
    'is' in r ? `must be ${fmt(setting, r.is)}` : 'min' in r ? `at least \`${r.min}\`` : `at most \`${r.max}\``;
  return GUARANTEES.flatMap((g) => {
    const requirement = setting.requires?.[g];
    return requirement === undefined ? [] : [`${g}: ${describe(requirement)}`];
  }).join('<br>');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

const sections: [string, (path: OptionPath) => boolean][] = [
  ['App and client', (path) => !path.includes('.')],
  ['Producer (`producer.*`)', (path) => path.startsWith('producer.')],
  ['Consumer (`consumer.*`)', (path) => path.startsWith('consumer.')],
  ['Connection retries (`retry.*`)', (path) => path.startsWith('retry.')],
];
const lines = [
  '# Configuration reference',
  '',
  'Generated from the settings table (`packages/core/src/config/settings.ts`) by `scripts/config-docs.ts`;',
  'do not edit by hand.',
  '',
  'Every option of `new StreamsApp(topology, config)`, validated when the app is constructed: an unknown',
  'key, a value out of range or a setting that contradicts `processingGuarantee` throws a `ConfigError`',
  'that names the setting and the fix. Defaults that depend on the guarantee are given per guarantee,',
  'and so are the values a guarantee demands (see [guarantees.md](guarantees.md)).',
  '',
];
for (const [title, inSection] of sections) {
  lines.push(`## ${title}`, '', '| option | Kafka property | type | default | guarantee rules | meaning |', '|---|---|---|---|---|---|');
  for (const path of OPTION_PATHS.filter(inSection)) {
    const setting = settingAt(path);
    const property = setting.kafka === null ? '-' : `\`${setting.kafka}\``;
    lines.push(`| \`${path}\` | ${property} | ${cell(setting.read.type)} | ${cell(defaultOf(setting))} | ${cell(rulesOf(setting))} | ${cell(setting.doc)} |`);
  }
  lines.push('');
}
writeFileSync(`${root}docs/configuration.md`, `${lines.join('\n')}`);
process.stdout.write(`wrote docs/configuration.md\n`);
