#!/usr/bin/env node
/**
 * The `rivulet` command line: `reset`, `describe` and `topics`. {@link runCli} is the whole tool
 * (arguments in, exit code out); run as a program, this file calls it with the process's arguments
 * and exits with its code.
 */
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/config-error.js';
import { TopologyError } from '../errors/topology-error.js';
import { CLI_EXIT, UsageError } from './args.js';
import { CliFailure, type CliIo } from './cli-support.js';
import { describeCommand } from './describe-command.js';
import { resetCommand } from './reset-command.js';
import { topicsCommand } from './topics-command.js';

const COMMANDS: Readonly<Record<string, { summary: string; run: (argv: readonly string[], io: CliIo) => Promise<number> }>> = {
  reset: { summary: 'reset an app to reprocess its input: offsets moved, internal topics deleted', run: resetCommand },
  describe: { summary: "print a topology's description and Mermaid graph", run: describeCommand },
  topics: { summary: 'print the topics an app needs; --create creates the missing ones', run: topicsCommand },
};

/** `rivulet --help`. */
export const MAIN_HELP =
  'usage: rivulet <command> [options]\n\ncommands:\n' +
  Object.entries(COMMANDS)
    .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
    .join('\n') +
  '\n\nrivulet <command> --help shows a command\'s options.\nExit codes: 0 done, 1 failed, 2 wrong usage or configuration.\n';

const STDIO: CliIo = {
  out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/**
 * Runs `rivulet` with its arguments (without `node` and the script) and resolves with its exit code:
 * 0 done, 1 failed, 2 wrong usage or configuration (a {@link UsageError}, a bad topology or config).
 */
export async function runCli(argv: readonly string[], io: CliIo = STDIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.err : io.out)(MAIN_HELP);
    return name === undefined ? CLI_EXIT.USAGE : CLI_EXIT.OK;
  }
  const command = COMMANDS[name];
  if (command === undefined) {
    io.err(`rivulet: unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')} (rivulet --help)`);
    return CLI_EXIT.USAGE;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const message = error.message.startsWith(`${name}: `) ? error.message.slice(name.length + 2) : error.message;
      io.err(`rivulet ${name}: ${message}\n(rivulet ${name} --help shows the usage)`);
      return CLI_EXIT.USAGE;
    }
    if (error instanceof TopologyError || error instanceof ConfigError) {
      io.err(`rivulet ${name}: ${error.message}`);
      return CLI_EXIT.USAGE;
    }
    io.err(`rivulet ${name} failed: ${error instanceof CliFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return CLI_EXIT.FAILURE;
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}
