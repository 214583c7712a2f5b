// The shell's command-line options, parsed by hand (yargs is loaded only for --help and usage
// errors). A module of its own, so that main.ts can tell an interactive session from a script run
// before it loads either (see main.ts).
import type { OutputFormat } from '../format/output.js';

/** The options, described once: the hand parser and the yargs help both read this table. */
export const OPTIONS = {
  command: { alias: 'c', type: 'string', describe: 'Run this script text and exit', requiresArg: true },
  output: { alias: 'o', type: 'string', choices: ['text', 'json', 'jsonl', 'csv'], describe: 'Output format (default: text on a terminal, jsonl otherwise)', requiresArg: true },
  'error-format': { type: 'string', choices: ['text', 'json'], describe: 'Error format on stderr (default: json with --output json/jsonl, else text)', requiresArg: true },
  site: { type: 'string', describe: 'Site directory (default: $MCSHELL_HOME or the user config directory)', requiresArg: true },
  help: { alias: 'h', type: 'boolean', describe: 'Show this help' },
  version: { alias: 'V', type: 'boolean', describe: 'Show the version' },
} as const;

type OptionName = keyof typeof OPTIONS;

/** The subcommands, one line each for --help (main.ts holds their loaders, keyed by these names). */
export const SUBCOMMANDS = {
  serve: 'Run the distribution point headless (JSON-lines log; SIGTERM stops it)',
  client: 'The client agent: enroll this machine, then run its deployment',
  capture: "Capture this machine's disk into a new image on the DP (a reference machine)",
  demo: 'A whole deployment on loopback: temporary site, image, N clients',
  send: 'Send one file to receivers by multicast, without a site',
  receive: 'Receive one file sent by `mcshell send` (or a session announced on the link)',
} as const;

export interface CliOptions {
  command?: string;
  output?: OutputFormat;
  errorFormat?: 'text' | 'json';
  site?: string;
  help: boolean;
  version: boolean;
  /** A script file and the arguments for its param() block. */
  file?: string;
  fileArgs: string[];
}

export class UsageError extends Error {}

function optionNamed(token: string): OptionName | undefined {
  if (token.startsWith('--')) {
    const name = token.slice(2);
    return name in OPTIONS ? (name as OptionName) : undefined;
  }
  const short = token.slice(1);
  return (Object.keys(OPTIONS) as OptionName[]).find((k) => (OPTIONS[k] as { alias?: string }).alias === short);
}

/** Options come before the script file; everything after the file belongs to the script. */
export function parseCommandLine(argv: readonly string[]): CliOptions {
  const options: CliOptions = { help: false, version: false, fileArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      if (argv[i + 1] !== undefined) {
        options.file = argv[i + 1];
        options.fileArgs = argv.slice(i + 2);
      }
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      options.file = token;
      options.fileArgs = argv.slice(i + 1);
      break;
    }
    const [flag, inline] = token.includes('=') ? [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)] : [token, undefined];
    const name = optionNamed(flag!);
    if (!name) throw new UsageError(`Unknown option ${flag}`);
    const spec = OPTIONS[name];
    if (spec.type === 'boolean') {
      options[name as 'help' | 'version'] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`Option --${name} needs a value`);
    const choices = (spec as { choices?: readonly string[] }).choices;
    if (choices && !choices.includes(value)) throw new UsageError(`Invalid value for --${name}: "${value}" (choose from ${choices.join(', ')})`);
    if (name === 'command') options.command = value;
    else if (name === 'output') options.output = value as OutputFormat;
    else if (name === 'error-format') options.errorFormat = value as 'text' | 'json';
    else if (name === 'site') options.site = value;
  }
  if (options.command !== undefined && options.file !== undefined) {
    // `mcshell -c '…' extra` — PowerShell would append the words to the command; we refuse to guess.
    throw new UsageError(`Unexpected argument "${options.file}" after -c: quote the whole script as one argument`);
  }
  return options;
}

/** Whether these options open the interactive shell (no script, a terminal on both ends). */
export function opensInteractiveShell(options: CliOptions): boolean {
  return !options.help && !options.version && options.command === undefined && options.file === undefined && Boolean(process.stdin.isTTY && process.stdout.isTTY);
}
