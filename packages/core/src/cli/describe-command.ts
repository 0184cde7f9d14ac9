/** `rivulet describe MODULE`: a topology's description and its Mermaid graph. */
import { CLI_EXIT, commandHelp, parseCommandArgs, UsageError, type OptionSpec } from './args.js';
import { loadTopology, type CliIo } from './cli-support.js';

const OPTIONS = {
  export: { type: 'string', value: 'NAME', help: 'the export to use (default: the default export, else the one Topology or StreamsBuilder exported)' },
  format: { type: 'string', value: 'text|mermaid|both', help: 'what to print: the description, the Mermaid graph, or both (default)' },
} satisfies Record<string, OptionSpec>;

/** `rivulet describe --help`. */
export const DESCRIBE_HELP = commandHelp(
  'rivulet describe MODULE [--export NAME] [--format text|mermaid|both]',
  "Prints a topology's description (topology.describe()) and its Mermaid graph (describe().toMermaid()).\n" +
    'MODULE is a .js or .ts file whose export is a Topology, a StreamsBuilder, or a function returning one;\n' +
    'it is imported, so it should not start the app itself.',
  OPTIONS,
);

/** Runs `rivulet describe`; resolves with the exit code. */
export async function describeCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs('describe', argv, OPTIONS);
  if (args.values['help'] === true) {
    io.out(DESCRIBE_HELP);
    return CLI_EXIT.OK;
  }
  if (args.positionals.length !== 1) throw new UsageError(`describe: give one MODULE, got ${args.positionals.length === 0 ? 'none' : args.positionals.join(' ')}`);
  const format = (args.values['format'] as string | undefined) ?? 'both';
  if (!['text', 'mermaid', 'both'].includes(format)) throw new UsageError(`describe: --format must be text, mermaid or both, got '${format}'`);
  const topology = await loadTopology(args.positionals[0]!, args.values['export'] as string | undefined);
  const description = topology.describe();
  if (format !== 'mermaid') io.out(description.toString().trimEnd());
  if (format === 'both') io.out('');
  if (format !== 'text') io.out(`\`\`\`mermaid\n${description.toMermaid().trimEnd()}\n\`\`\``);
  return CLI_EXIT.OK;
}
