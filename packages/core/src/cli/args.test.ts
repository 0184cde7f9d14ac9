import { describe, expect, it } from 'vitest';
import { commandHelp, integerOption, listOption, parseCommandArgs, requiredString, UsageError } from './args.js';
import { runCli } from './main.js';

const OPTIONS = {
  'application-id': { type: 'string', value: 'ID', help: 'the app' },
  'input-topics': { type: 'string', value: 'a,b', help: 'inputs' },
  'dry-run': { type: 'boolean', help: 'change nothing' },
  partitions: { type: 'string', value: 'N', help: 'count' },
} as const;

function capture(): { io: { out: (t: string) => void; err: (t: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t) => void out.push(t), err: (t) => void err.push(t) }, out, err };
}

describe('parseCommandArgs', () => {
  it('reads --name value, --name=value, flags and positionals', () => {
    const args = parseCommandArgs('reset', ['mod.ts', '--application-id', 'app', '--input-topics=a, b,,c', '--dry-run'], OPTIONS);
    expect(args.positionals).toEqual(['mod.ts']);
    expect(requiredString('reset', args, 'application-id')).toBe('app');
    expect(listOption(args, 'input-topics')).toEqual(['a', 'b', 'c']);
    expect(args.values['dry-run']).toBe(true);
  });

  it('names an unknown option and lists the known ones', () => {
    expect(() => parseCommandArgs('reset', ['--aplication-id', 'x'], OPTIONS)).toThrow(
      new UsageError("reset: unknown option --aplication-id; the options are --application-id, --input-topics, --dry-run, --partitions (and --help)"),
    );
  });

  it('refuses an option without its value, a repeated option, and a missing required one', () => {
    expect(() => parseCommandArgs('reset', ['--application-id'], OPTIONS)).toThrow(/reset: --application-id needs a value/);
    expect(() => parseCommandArgs('reset', ['--dry-run', '--dry-run'], OPTIONS)).toThrow(/--dry-run is given more than once/);
    expect(() => requiredString('reset', parseCommandArgs('reset', [], OPTIONS), 'application-id')).toThrow(/reset: --application-id is required/);
  });

  it('checks integers', () => {
    expect(integerOption('topics', parseCommandArgs('topics', ['--partitions', '3'], OPTIONS), 'partitions', 1)).toBe(3);
    expect(() => integerOption('topics', parseCommandArgs('topics', ['--partitions', '0'], OPTIONS), 'partitions', 1)).toThrow(
      "topics: --partitions must be an integer >= 1, got '0'",
    );
    expect(() => integerOption('topics', parseCommandArgs('topics', ['--partitions', 'x'], OPTIONS), 'partitions', 1)).toThrow(/got 'x'/);
  });

  it('writes a help text with every option', () => {
    const help = commandHelp('rivulet x', 'Does x.', OPTIONS);
    expect(help).toContain('usage: rivulet x');
    for (const flag of ['--application-id ID', '--input-topics a,b', '--dry-run', '--partitions N', '-h, --help']) expect(help).toContain(flag);
  });
});

describe('runCli exit codes and help', () => {
  it('prints the commands for --help (0), and for no command on stderr (2)', async () => {
    const ok = capture();
    expect(await runCli(['--help'], ok.io)).toBe(0);
    expect(ok.out.join('')).toMatch(/reset[\s\S]*describe[\s\S]*topics/);
    const none = capture();
    expect(await runCli([], none.io)).toBe(2);
    expect(none.err.join('')).toContain('usage: rivulet <command>');
  });

  it.each(['reset', 'describe', 'topics'])('%s --help prints its usage and options, exit 0', async (command) => {
    const c = capture();
    expect(await runCli([command, '--help'], c.io)).toBe(0);
    expect(c.out.join('')).toContain(`usage: rivulet ${command}`);
    expect(c.err).toEqual([]);
  });

  it('an unknown command or a usage error exits 2 with a pointer to --help', async () => {
    const unknown = capture();
    expect(await runCli(['rest'], unknown.io)).toBe(2);
    expect(unknown.err.join('')).toContain("unknown command 'rest'; the commands are reset, describe, topics");
    const usage = capture();
    expect(await runCli(['reset', '--bootstrap-servers', '127.0.0.1:9092'], usage.io)).toBe(2);
    expect(usage.err.join('')).toBe('rivulet reset: --application-id is required\n(rivulet reset --help shows the usage)');
    const bad = capture();
    expect(await runCli(['reset', '--application-id', 'a', '--bootstrap-servers', 'nohost'], bad.io)).toBe(2);
    expect(bad.err.join('')).toContain("--bootstrap-servers 'nohost' is not a list of host:port");
    const two = capture();
    expect(await runCli(['reset', '--application-id', 'a', '--bootstrap-servers', 'h:1', '--to-earliest', '--to-offset', '5'], two.io)).toBe(2);
    expect(two.err.join('')).toContain('reset: choose one of --to-earliest, --to-offset');
  });

  it('a broker that cannot be reached exits 1', async () => {
    const c = capture();
    expect(await runCli(['reset', '--application-id', 'a', '--bootstrap-servers', '127.0.0.1:1', '--dry-run'], c.io)).toBe(1);
    expect(c.err.join('')).toMatch(/^rivulet reset failed: cannot connect to 127\.0\.0\.1:1/);
  }, 30_000);
});
