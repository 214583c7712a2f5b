// A shell session: global scope, the command table, error history ($Error, $?), and the host the
// runtime writes errors, warnings and messages to (the CLI provides it; tests provide a fake).
import { homedir, release, type } from 'node:os';
import type { FunctionDefinition, Script, SourceSpan } from '../language/ast.js';
import type { ArgumentValue } from './binder.js';
import type { ConfirmAnswer, ConfirmQuestion } from './confirm.js';
import { briefOf, type CmdletDeclaration, type CommandBrief, type CommandSummary, type HostInfo, type OutputType } from './cmdlet.js';
import { BreakSignal, ContinueSignal, ErrorRecord, ExitSignal, PipelineStoppedError, ReturnSignal, RuntimeError, resourceError } from './errors.js';
import { functionDeclaration } from './commenthelp.js';
import { Scope } from './scope.js';
import { PSList, Version } from './dotnet.js';
import { Hashtable } from './values.js';
import { JobTable } from './jobs.js';
import { MCSHELL_VERSION } from './version.js';

export interface Host extends HostInfo {
  writeError(record: ErrorRecord): void;
  writeWarning(message: string, span: SourceSpan | null): void;
  writeVerbose(message: string): void;
  /** Write-Debug's messages (`DEBUG: …` on stderr); hosts without it drop them. */
  writeDebug?(message: string): void;
  writeHost(text: string, noNewline: boolean): void;
  /** Shows or (with `completed`) removes a progress line (Write-Progress); hosts without a terminal leave it out. */
  writeProgress?(progress: ProgressRecord): void;
  /** The command lines entered in this interactive session, oldest first, without the one running (Get-History). */
  history?(): readonly string[];
  /** Reads a line of input (Read-Host): `mask` echoes `*` for each character typed; null at the end of input. */
  readLine?(prompt: string, options: { mask: boolean }): Promise<string | null>;
  /** Asks PowerShell's confirmation question; absent when there is no terminal to ask on. */
  confirm?(question: ConfirmQuestion): Promise<ConfirmAnswer>;
}

/** What Write-Progress reports: one activity (by Id), its status, and how far along it is (-1: unknown). */
export interface ProgressRecord {
  id: number;
  activity: string;
  status: string;
  percentComplete: number;
  secondsRemaining: number;
  currentOperation: string;
  completed: boolean;
}

/** A registry entry: names and a lazy loader, so start-up imports only the cmdlets that run. */
export interface CommandEntry {
  name: string;
  aliases: readonly string[];
  load(): Promise<{ default: CmdletDeclaration }>;
  /** The registry's prebuilt brief, when it has an up-to-date one. */
  brief?(): CommandBrief | undefined;
}

export interface SessionOptions {
  host: Host;
  commands: readonly CommandEntry[];
  cwd?: string;
  site?: string;
}

export interface RunOptions {
  /** Receives every object the script outputs, as it is produced. */
  onOutput(item: unknown): void | Promise<void>;
  signal?: AbortSignal;
  /** Arguments for the script's top `param()` block. */
  args?: readonly ArgumentValue[];
  /** Running a .mcs file: its own script scope, and abbreviated parameters warn. */
  scriptFile?: boolean;
}

export interface RunResult {
  /** The code given to `exit N`, or null when the script ran to its end. */
  exitCode: number | null;
}

export class Session {
  readonly global = new Scope('global', null);
  readonly host: Host;
  /** The shell's location (PowerShell's current location): relative paths resolve against it; Set-Location moves it, not the process. */
  cwd: string;
  readonly site: string | undefined;
  readonly views = new Map<string, NonNullable<OutputType['view']>>();
  /** $Error: newest first. */
  /** $Error: an ArrayList, newest first, so scripts can `$Error.Clear()` it (about_Automatic_Variables). */
  readonly errors = PSList.create(null, [], (_, value) => value) as PSList & ErrorRecord[];
  /** Any error was written (drives exit code 1). */
  errorWritten = false;
  /** Number of errors raised so far (for $?). */
  errorCount = 0;
  /** $? */
  lastSuccess = true;
  /** The text FORMATTED_TEXT commands output in the current run, so the output can tell it from other strings. */
  readonly formattedText = new TextLedger();
  /** The text of each script run (by its span's file name), for $MyInvocation.Line. */
  readonly sources = new Map<string, string>();
  /** Background jobs started here (Start-Job). */
  readonly jobs = new JobTable();
  private readonly byName = new Map<string, CommandEntry>();
  private readonly loaded = new Map<CommandEntry, Promise<CmdletDeclaration>>();
  private readonly warned = new Set<string>();

  constructor(readonly options: SessionOptions) {
    this.host = options.host;
    this.cwd = options.cwd ?? process.cwd();
    this.site = options.site;
    for (const entry of options.commands) {
      for (const n of [entry.name, ...entry.aliases]) this.byName.set(n.toLowerCase(), entry);
    }
    const g = this.global;
    g.setLocal('Error', this.errors);
    g.setLocal('ErrorActionPreference', 'Continue');
    g.setLocal('VerbosePreference', 'SilentlyContinue');
    g.setLocal('DebugPreference', 'SilentlyContinue');
    g.setLocal('InformationPreference', 'SilentlyContinue');
    g.setLocal('ProgressPreference', 'Continue');
    g.setLocal('PSVersionTable', versionTable());
    g.setLocal('WarningPreference', 'Continue');
    g.setLocal('ConfirmPreference', 'High');
    g.setLocal('WhatIfPreference', false);
    g.setLocal('LASTEXITCODE', 0);
    g.setLocal('HOME', homedir());
    g.setLocal('PID', process.pid);
    g.setLocal('PWD', this.cwd);
    // Outside a script file these are empty (a script defines its own).
    g.setLocal('PSScriptRoot', '');
    g.setLocal('PSCommandPath', '');
  }

  /** Moves the location ($PWD follows); `path` is absolute. */
  setLocation(path: string): void {
    this.cwd = path;
    this.global.setLocal('PWD', path);
  }

  /** A session for a background job: the same commands, site and location; its own variables, $Error and host. */
  forJob(host: Host): Session {
    return new Session({ ...this.options, host, cwd: this.cwd });
  }

  get commandEntries(): readonly CommandEntry[] {
    return this.options.commands;
  }

  findCmdlet(name: string): CommandEntry | undefined {
    return this.byName.get(name.toLowerCase());
  }

  /** Loads a cmdlet's module once and registers its output view. */
  loadCmdlet(entry: CommandEntry): Promise<CmdletDeclaration> {
    let pending = this.loaded.get(entry);
    if (!pending) {
      pending = entry.load().then((module) => {
        const decl = module.default;
        const output = decl.outputType;
        if (output?.view) for (const name of [output.name, ...(output.alsoFor ?? [])]) this.views.set(name, output.view);
        for (const [name, view] of Object.entries(output?.variants ?? {})) this.views.set(name, view);
        return decl;
      });
      this.loaded.set(entry, pending);
    }
    return pending;
  }

  /** Every command visible from a scope: registered cmdlets and defined functions. */
  listCommands(scope: Scope): CommandSummary[] {
    const cmdlets: CommandSummary[] = this.options.commands.map((entry) => ({
      name: entry.name,
      kind: 'Cmdlet',
      aliases: entry.aliases,
      load: () => this.loadCmdlet(entry),
      brief: async () => entry.brief?.() ?? briefOf(await this.loadCmdlet(entry)),
    }));
    return [...cmdlets, ...scope.listFunctions().map((f) => functionSummary(f, this.sources.get(f.span.file)))];
  }

  /** Writes a non-terminating (or uncaught) error: $Error, $?, the host, the exit code. */
  reportError(record: ErrorRecord, silently = false): void {
    this.errors.unshift(record);
    if (this.errors.length > 256) this.errors.length = 256;
    this.errorCount++;
    this.lastSuccess = false;
    if (silently) return;
    this.errorWritten = true;
    this.host.writeError(record);
  }

  warn(message: string, span: SourceSpan | null): void {
    if (this.global.get('WarningPreference') === 'SilentlyContinue') return;
    this.host.writeWarning(message, span);
  }

  /** A warning given once per source location (abbreviations inside loops). */
  warnOnce(message: string, span: SourceSpan | null): void {
    const key = span ? `${span.file}:${span.startOffset}:${message}` : message;
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.warn(message, span);
  }

  /** Runs a parsed script. Uncaught errors are reported; `exit N` gives the exit code. */
  async run(script: Script, options: RunOptions): Promise<RunResult> {
    const { execute } = await import('./interpreter.js');
    const signal = options.signal ?? new AbortController().signal;
    this.formattedText.clear();
    try {
      await execute(this, script, { ...options, signal });
      return { exitCode: null };
    } catch (e) {
      if (e instanceof ExitSignal) return { exitCode: e.code };
      if (e instanceof RuntimeError) this.reportError(e.record);
      else if (e instanceof RangeError) this.reportError(resourceError(e, null).record);
      else if (e instanceof PipelineStoppedError) this.reportError(new ErrorRecord({ id: 'PipelineStopped', category: 'OperationStopped', message: e.message }));
      else if (!(e instanceof ReturnSignal || e instanceof BreakSignal || e instanceof ContinueSignal)) throw e;
      return { exitCode: null };
    }
  }
}

/**
 * Strings counted by content: a value is a primitive and carries no mark, but the output can ask
 * whether a formatting command produced this text in this run (and not yet claimed).
 */
export class TextLedger {
  private readonly counts = new Map<unknown, number>();
  /** Text, or an object shown as its text (Get-Help's help). */
  add(text: unknown): void {
    this.counts.set(text, (this.counts.get(text) ?? 0) + 1);
  }
  /** Whether the text is one of them, claiming it. */
  take(text: unknown): boolean {
    const count = this.counts.get(text);
    if (!count) return false;
    if (count === 1) this.counts.delete(text);
    else this.counts.set(text, count - 1);
    return true;
  }
  clear(): void {
    this.counts.clear();
  }
}

/** $PSVersionTable: the PowerShell language level mcshell targets (PSVersion) and mcshell's own version. */
function versionTable(): Hashtable {
  const table = new Hashtable();
  table.set('PSVersion', new Version(7, 4, 0));
  table.set('PSEdition', 'Core');
  table.set('MCShellVersion', MCSHELL_VERSION);
  table.set('Platform', process.platform === 'win32' ? 'Win32NT' : 'Unix');
  table.set('OS', `${type()} ${release()}`);
  table.set('PSCompatibleVersions', ['1.0', '2.0', '3.0', '4.0', '5.0', '5.1', '6.0', '7.0'].map((v) => new Version(...(v.split('.').map(Number) as [number, number]))));
  return table;
}

/** A function as Get-Help and Get-Command see it: its parameters and comment-based help, worked out when asked for. */
function functionSummary(fn: FunctionDefinition, source: string | undefined): CommandSummary {
  let decl: CmdletDeclaration | undefined;
  const declaration = () => (decl ??= functionDeclaration(fn, source));
  return { name: fn.name, kind: 'Function', aliases: [], load: async () => declaration(), brief: async () => briefOf(declaration()) };
}
