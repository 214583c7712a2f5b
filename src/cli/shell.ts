// The shell's command line: `mcshell -c '<script>'`, `mcshell script.mcs [args…]`, a script on
// stdin, the interactive shell, or (stdin a terminal, stdout not) a plain line prompt. Options are
// parsed by hand (options.ts); yargs is imported only to print --help or to report a usage error.
import { readFile } from 'node:fs/promises';
import type { ProgressRecord } from '../runtime/session.js';
import { MCSHELL_VERSION } from '../runtime/version.js';
import type { SourceSpan } from '../language/ast.js';
import type { ArgumentValue } from '../runtime/binder.js';
import type { ErrorRecord } from '../runtime/errors.js';
import type { Host, Session } from '../runtime/session.js';
import type { OutputFormat } from '../format/output.js';
import type { LiveViewHost } from '../runtime/live.js';
import type { ConfirmAnswer, ConfirmQuestion } from '../runtime/confirm.js';
import { OPTIONS, SUBCOMMANDS, opensInteractiveShell, parseCommandLine, UsageError, type CliOptions } from './options.js';

const VERSION = MCSHELL_VERSION;

async function printHelp(stream: NodeJS.WriteStream, error?: string): Promise<void> {
  const { default: yargs } = await import('yargs');
  const { help: _help, version: _version, ...valueOptions } = OPTIONS;
  let parser = yargs([])
    .scriptName('mcshell')
    .usage('Usage: $0 [options] [script.mcs [script arguments…]]\n   or: $0 <command> [command options]\n\nA PowerShell-style shell for deploying OS images over IP multicast.')
    .command('$0', 'The shell: interactive, or runs -c text, a script or stdin');
  for (const [name, describe] of Object.entries(SUBCOMMANDS)) parser = parser.command(name, describe);
  parser = parser
    .options(valueOptions as never)
    .example("$0 -c '1..10 | Where-Object { $_ % 2 -eq 0 } | Measure-Object -Sum'", 'Run a command line')
    .example('$0 deploy.mcs -Image win11 -Collection lab1', 'Run a script; arguments bind to its param() block')
    .example("echo 'Get-Command' | $0", 'Run a script read from stdin')
    .example('$0 serve --help', 'A command\'s own options')
    .epilog('Exit codes: 0 success, 1 an error was written (or exit N), 2 usage or syntax error.\nIn the shell: Get-Help <command>, Get-Command.')
    .help('help', OPTIONS.help.describe)
    .alias('help', 'h')
    .version('version', OPTIONS.version.describe, VERSION)
    .alias('version', 'V')
    .wrap(Math.min(100, stream.columns ?? 100));
  const text = await parser.getHelp();
  stream.write(`${text}\n`);
  if (error) stream.write(`\n${error}\n`);
}

/** CLI words after a script file as binder arguments: `-Name value`, `-Switch`, `-Name:value`, positionals. */
export function scriptArguments(words: readonly string[]): ArgumentValue[] {
  return words.map((word) => {
    const m = /^-([A-Za-z_][\w-]*)(?::(.*))?$/s.exec(word);
    if (!m) return { kind: 'positional', value: word, span: null };
    return m[2] !== undefined ? { kind: 'named', name: m[1]!, value: m[2], hasValue: true, span: null } : { kind: 'named', name: m[1]!, value: undefined, hasValue: false, span: null };
  });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export interface Shell {
  session: Session;
  sources: Map<string, string>;
  write(chunk: string): void;
  format: OutputFormat;
  /** Runs source text; returns the exit code for this run. */
  run(source: string, file: string, options?: { args?: ArgumentValue[]; scriptFile?: boolean; signal?: AbortSignal }): Promise<number>;
  /** What exiting would end (multicast sessions of an in-process DP), and how to end it; null if nothing. */
  exitWarning(): { warning: string; stop(): Promise<void> } | null;
}

/** Where a shell writes: the process streams, or the interactive UI (which also adds host abilities). */
export interface ShellIO {
  stdout: { isTTY?: boolean; columns?: number; write(chunk: string): unknown };
  stderr: { isTTY?: boolean; write(chunk: string): unknown };
  host?: Partial<Host & LiveViewHost>;
}

/**
 * Read-Host: one line from stdin, the prompt on stderr. Masked input on a terminal reads key by key
 * in raw mode and echoes `*`; piped input is read as it is.
 */
async function readLine(prompt: string, mask: boolean, stderr: ShellIO['stderr']): Promise<string | null> {
  const stdin = process.stdin;
  if (mask && stdin.isTTY) {
    stderr.write(prompt);
    return new Promise((resolve) => {
      let text = '';
      stdin.setRawMode(true);
      stdin.resume();
      const onData = (chunk: Buffer) => {
        for (const ch of chunk.toString('utf8')) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004' || ch === '\u0003') {
            stdin.off('data', onData);
            stdin.setRawMode(false);
            stdin.pause();
            stderr.write('\n');
            resolve(ch === '\u0003' ? null : text);
            return;
          }
          if (ch === '\u007f' || ch === '\b') {
            if (text.length > 0) {
              text = text.slice(0, -1);
              stderr.write('\b \b');
            }
            continue;
          }
          text += ch;
          stderr.write('*');
        }
      };
      stdin.on('data', onData);
    });
  }
  if (prompt) stderr.write(prompt);
  return (stdinLines ??= await StdinLines.open()).next();
}

/**
 * The lines of stdin, read once and queued: a chunk often holds several lines, and each
 * Read-Host takes one. Between reads stdin is paused, so a waiting pipe does not keep the shell alive.
 */
class StdinLines {
  private readonly queue: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private ended = false;

  private constructor(private readonly rl: import('node:readline').Interface) {
    rl.on('line', (line) => this.push(line));
    rl.on('close', () => {
      this.ended = true;
      this.waiting?.(null);
      this.waiting = null;
    });
  }

  static async open(): Promise<StdinLines> {
    const { createInterface } = await import('node:readline');
    return new StdinLines(createInterface({ input: process.stdin, terminal: false }));
  }

  private push(line: string): void {
    if (this.waiting) {
      this.waiting(line);
      this.waiting = null;
      this.rl.pause();
    } else this.queue.push(line);
  }

  next(): Promise<string | null> {
    if (this.queue.length) return Promise.resolve(this.queue.shift()!);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.rl.resume();
    });
  }
}

let stdinLines: StdinLines | undefined;

/**
 * Write-Progress on a terminal: one line on stderr, redrawn in place, the newest activity's
 * status and a bar; cleared before other output is written and when the activity completes.
 */
class ProgressLine {
  private drawn = false;
  constructor(private readonly stderr: ShellIO['stderr']) {}

  show(record: ProgressRecord): void {
    if (!this.stderr.isTTY) return;
    if (record.completed) {
      this.clear();
      return;
    }
    const percent = Math.max(-1, Math.min(100, record.percentComplete));
    const bar = percent >= 0 ? ` [${'#'.repeat(Math.round(percent / 5)).padEnd(20)}] ${percent}%` : '';
    const remaining = record.secondsRemaining >= 0 ? ` ${record.secondsRemaining}s left` : '';
    const text = `${record.activity}${record.status ? `: ${record.status}` : ''}${bar}${remaining}${record.currentOperation ? ` ${record.currentOperation}` : ''}`;
    const columns = (process.stderr.columns || 80) - 1;
    this.stderr.write(`\r\x1b[2K${text.length > columns ? `${text.slice(0, columns - 1)}…` : text}`);
    this.drawn = true;
  }

  clear(): void {
    if (!this.drawn) return;
    this.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}

async function createShell(options: CliOptions, interactive: boolean, io: ShellIO = process): Promise<Shell> {
  const { Session, commands, createOutputSink, errors, createStyle, colorWanted, language, printable, CLEAR_SCREEN, exitWarning } = await import('./runtime.js');
  const { stdout, stderr } = io;
  const format: OutputFormat = options.output ?? (stdout.isTTY ? 'text' : 'jsonl');
  const errorFormat = options.errorFormat ?? (options.output === 'json' || options.output === 'jsonl' ? 'json' : 'text');
  const outStyle = createStyle(colorWanted(Boolean(stdout.isTTY)));
  const errStyle = createStyle(colorWanted(Boolean(stderr.isTTY)));
  const sources = new Map<string, string>();
  // A pseudo-terminal may report 0 columns: treat that as unknown too.
  const columns = stdout.columns || Number(process.env['COLUMNS']) || 120;
  const progress = new ProgressLine(stderr);
  const write = (chunk: string) => {
    progress.clear();
    void stdout.write(chunk);
  };
  const located = (message: string, span: SourceSpan | null) => (span ? `${span.file}:${span.startLine}:${span.startColumn}: ${message}` : message);
  const canAsk = interactive || (Boolean(process.stdin.isTTY) && Boolean(stderr.isTTY));

  const host: Host = {
    isTerminal: Boolean(stdout.isTTY),
    columns,
    color: outStyle.enabled,
    output: format,
    writeError: (record: ErrorRecord) => {
      progress.clear();
      stderr.write(`${errorFormat === 'json' ? errors.errorToJson(record) : errors.renderErrorConcise(record, errStyle, sources)}\n`);
    },
    writeWarning: (message, span) => {
      progress.clear();
      stderr.write(`${errorFormat === 'json' ? JSON.stringify({ warning: located(message, span) }) : errStyle.yellow(`WARNING: ${printable(located(message, span))}`)}\n`);
    },
    writeVerbose: (message) => stderr.write(`${errStyle.cyan(`VERBOSE: ${printable(message)}`)}\n`),
    writeDebug: (message) => stderr.write(`${errStyle.yellow(`DEBUG: ${printable(message)}`)}\n`),
    // Write-Host text is for people: keep it out of JSON/CSV on stdout.
    writeHost: (text, noNewline) => {
      progress.clear();
      (format === 'text' ? stdout : stderr).write(printable(noNewline ? text : `${text}\n`, true));
    },
    writeProgress: (record) => progress.show(record),
    readLine: (prompt, { mask }) => readLine(prompt, mask, stderr),
    ...(stdout.isTTY ? { clearScreen: () => void stdout.write(CLEAR_SCREEN) } : {}),
    ...(canAsk
      ? {
          confirm: async (question: ConfirmQuestion): Promise<ConfirmAnswer> => {
            const { createInterface } = await import('node:readline/promises');
            const { CHOICES_LINE, readAnswer } = await import('../runtime/confirm.js');
            const rl = createInterface({ input: process.stdin, output: process.stderr });
            // On a terminal readline takes Ctrl+C (and Ctrl+D) as keys: either cancels the pipeline.
            const cancelled = new AbortController();
            rl.on('SIGINT', () => cancelled.abort());
            rl.on('close', () => cancelled.abort());
            stderr.write(`\n${question.caption}\n${printable(question.message, true)}\n`);
            try {
              for (;;) {
                const reply = readAnswer(await rl.question(CHOICES_LINE, { signal: cancelled.signal }));
                if ('answer' in reply) return reply.answer;
                if (reply.again) stderr.write(`${reply.again}\n`);
              }
            } catch (e) {
              if (cancelled.signal.aborted) return 'Cancel';
              throw e;
            } finally {
              rl.close();
            }
          },
        }
      : {}),
    ...io.host,
  };
  const session = new Session({ host, commands, site: options.site });

  return {
    session,
    sources,
    write,
    format,
    exitWarning: () => withRunningJobs(exitWarning(), session),
    async run(source, file, runOptions = {}) {
      sources.set(file, source);
      let script;
      try {
        script = language.parseScript(source, file);
      } catch (e) {
        if (!(e instanceof language.ScriptSyntaxError)) throw e;
        if (errorFormat === 'json') {
          const s = e.span;
          stderr.write(`${JSON.stringify({ error: { id: 'ParseError', category: 'ParserError', message: e.message, expected: e.expected, location: { file: s.file, line: s.startLine, column: s.startColumn, endLine: s.endLine, endColumn: s.endColumn } } })}\n`);
        } else stderr.write(`${errStyle.red(printable(e.format(), true))}\n`);
        return 2;
      }
      // Piped output is JSON lines, except text a pipeline formatted (`| ConvertTo-Json`, `| Format-Table`),
      // which goes out as that text; `-o jsonl` asks for JSON lines only.
      const formattedText = options.output === undefined ? (item: unknown) => session.formattedText.take(item) : undefined;
      const sink = createOutputSink(format, write, { columns, style: outStyle, views: session.views, sources }, formattedText);
      const errorsBefore = session.errorWritten;
      session.errorWritten = false;
      try {
        const result = await session.run(script, { onOutput: (item) => sink.write(item), args: runOptions.args, scriptFile: runOptions.scriptFile, signal: runOptions.signal });
        if (result.exitCode !== null) {
          session.global.setLocal('LASTEXITCODE', result.exitCode);
          return result.exitCode;
        }
        return session.errorWritten ? 1 : 0;
      } finally {
        sink.end();
        session.errorWritten ||= errorsBefore;
      }
    },
  };
}

async function repl(options: CliOptions): Promise<number> {
  const shell = await createShell(options, true);
  const { createInterface } = await import('node:readline');
  const { isIncomplete } = (await import('./runtime.js')).language;
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: 'mcs> ', terminal: true });
  process.stdout.write(`mcshell ${VERSION} — Get-Help for help, Get-Command to list commands, Ctrl+D to exit.\n`);
  let buffer = '';
  let running: AbortController | null = null;
  let lineNumber = 0;
  let exitCode = 0;
  rl.on('SIGINT', () => {
    if (running) running.abort();
    else {
      buffer = '';
      process.stdout.write('^C\n');
      rl.setPrompt('mcs> ');
      rl.prompt();
    }
  });
  rl.prompt();
  for await (const line of rl) {
    buffer = buffer ? `${buffer}\n${line}` : line;
    if (isIncomplete(buffer)) {
      rl.setPrompt('>> ');
      rl.prompt();
      continue;
    }
    const source = buffer;
    buffer = '';
    rl.setPrompt('mcs> ');
    if (source.trim()) {
      running = new AbortController();
      rl.pause();
      const code = await shell.run(source, `<prompt:${++lineNumber}>`, { signal: running.signal });
      running = null;
      rl.resume();
      if (/^\s*exit\b/i.test(source)) {
        exitCode = code;
        break;
      }
    }
    rl.prompt();
  }
  rl.close();
  await shell.session.jobs.stopAll();
  return exitCode;
}

export async function main(argv: string[]): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    await printHelp(process.stderr, `mcshell: ${e.message}`);
    return 2;
  }
  if (options.help) {
    await printHelp(process.stdout);
    return 0;
  }
  if (options.version) {
    process.stdout.write(`mcshell ${VERSION}\n`);
    return 0;
  }
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // `mcshell -c … | head`: the reader went away; stop quietly.
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  if (options.command !== undefined) {
    const shell = await createShell(options, false);
    return withCtrlC(shell, (signal) => shell.run(options.command!, '<command line>', { signal }));
  }
  if (options.file !== undefined && options.file !== '-') {
    let source: string;
    try {
      source = await readFile(options.file, 'utf8');
    } catch (e) {
      process.stderr.write(`mcshell: cannot read script ${options.file}: ${(e as Error).message}\n`);
      return 2;
    }
    const shell = await createShell(options, false);
    const args = scriptArguments(options.fileArgs);
    return withCtrlC(shell, (signal) => shell.run(source, options.file!, { args, scriptFile: true, signal }));
  }
  if (opensInteractiveShell(options)) {
    const { runInteractive } = await import('../ui/start.js');
    return runInteractive({ version: VERSION, site: options.site, createShell: (io) => createShell(options, true, io) });
  }
  if (process.stdin.isTTY && options.file === undefined) return repl(options);
  const source = await readStdin();
  const shell = await createShell(options, false);
  return withCtrlC(shell, (signal) => shell.run(source, '<stdin>', { signal }));
}

/** Exiting also ends the background jobs still running (as PowerShell's exit does): the warning names them, and stopping stops them. */
function withRunningJobs(engine: ReturnType<Shell['exitWarning']>, session: Session): ReturnType<Shell['exitWarning']> {
  const running = session.jobs.list().filter((job) => !job.isFinished);
  if (running.length === 0) return engine;
  const one = running.length === 1;
  const jobs = `${running.length} background job${one ? ' is' : 's are'} running (${running.map((job) => job.Name).join(', ')}); exiting stops ${one ? 'it' : 'them'}.`;
  return {
    warning: engine ? `${engine.warning} ${jobs}` : jobs,
    async stop() {
      await engine?.stop();
      await session.jobs.stopAll();
    },
  };
}

/**
 * Ctrl+C stops the running pipeline (its cmdlets see the signal; exit code 130); a second Ctrl+C exits at once.
 * When the script ends, its background jobs are stopped, as PowerShell's process exit ends them.
 */
async function withCtrlC(shell: Shell, run: (signal: AbortSignal) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const code = await run(controller.signal);
    // As a shell reports a command that SIGINT ended.
    return controller.signal.aborted ? 130 : code;
  } finally {
    process.off('SIGINT', onSigint);
    await shell.session.jobs.stopAll();
  }
}
