// Runs mcshell source in a fresh session with a recording host: output objects, error records,
// warnings and host text, as the CLI would see them (without a terminal).
import { join } from 'node:path';
import { parseScript } from '../../src/language/index.js';
import type { ArgumentValue } from '../../src/runtime/binder.js';
import type { ConfirmAnswer, ConfirmQuestion } from '../../src/runtime/confirm.js';
import type { ErrorRecord } from '../../src/runtime/errors.js';
import { Session, type CommandEntry, type Host } from '../../src/runtime/session.js';
import { commands as coreCommands } from '../../cmdlets/index.js';
import { closeSites } from '../../cmdlets/engine.js';
import { toPlainData } from '../../src/runtime/values.js';
import { testPostgres, testSiteFor } from '../postgres/test-site.js';

export interface Recorded {
  output: unknown[];
  /** Output as JSON data (objects compared by their properties). */
  data: unknown[];
  errors: ErrorRecord[];
  warnings: string[];
  verbose: string[];
  hostText: string[];
  exitCode: number | null;
  session: Session;
}

export interface RunOptions {
  commands?: readonly CommandEntry[];
  file?: string;
  scriptFile?: boolean;
  args?: ArgumentValue[];
  cwd?: string;
  /** The engine's site directory; by default a `site` folder inside `cwd`, so tests never touch a real site. */
  site?: string;
  signal?: AbortSignal;
  confirm?: (question: ConfirmQuestion) => Promise<ConfirmAnswer>;
  /** Called for each output object as it is produced. */
  onOutput?: (item: unknown) => void;
  session?: Session;
}

export function recordingHost(into: Pick<Recorded, 'errors' | 'warnings' | 'verbose' | 'hostText'>, confirm?: RunOptions['confirm']): Host {
  return {
    isTerminal: false,
    columns: 120,
    color: false,
    output: 'jsonl',
    writeError: (r) => into.errors.push(r),
    writeWarning: (m) => into.warnings.push(m),
    writeVerbose: (m) => into.verbose.push(m),
    writeDebug: (m) => into.verbose.push(`DEBUG: ${m}`),
    writeHost: (t) => into.hostText.push(t),
    ...(confirm ? { confirm } : {}),
  };
}

/**
 * The default site of a run in `cwd`: its `site` folder, or (a --postgres run) a site database
 * with that folder as the local state folder (MCSHELL_HOME, which the shell reads for a database site).
 */
async function siteIn(cwd: string): Promise<string> {
  const home = join(cwd, 'site');
  if (testPostgres && process.env.MCSHELL_HOME !== home) {
    // A run in another folder is another test's site: let go of the last one's connections.
    await closeSites();
    process.env.MCSHELL_HOME = home;
  }
  return testSiteFor(home);
}

export async function run(source: string, options: RunOptions = {}): Promise<Recorded> {
  const recorded: Recorded = { output: [], data: [], errors: [], warnings: [], verbose: [], hostText: [], exitCode: null, session: undefined as never };
  const session =
    options.session ??
    new Session({
      host: recordingHost(recorded, options.confirm),
      commands: options.commands ?? coreCommands,
      cwd: options.cwd,
      site: options.site ?? (options.cwd ? await siteIn(options.cwd) : undefined),
    });
  recorded.session = session;
  const script = parseScript(source, options.file ?? '<test>');
  const result = await session.run(script, {
    onOutput: (item) => {
      recorded.output.push(item);
      options.onOutput?.(item);
    },
    scriptFile: options.scriptFile,
    args: options.args,
    signal: options.signal,
  });
  recorded.exitCode = result.exitCode;
  recorded.data = recorded.output.map(toPlainData);
  return recorded;
}

/** Output data of a script that must not write errors. */
export async function values(source: string, options: RunOptions = {}): Promise<unknown[]> {
  const r = await run(source, options);
  if (r.errors.length) throw new Error(`unexpected errors: ${r.errors.map((e) => `${e.fullyQualifiedId}: ${e.message}`).join('; ')}`);
  return r.data;
}

/** The single error a script writes. */
export async function onlyError(source: string, options: RunOptions = {}): Promise<ErrorRecord> {
  const r = await run(source, options);
  if (r.errors.length !== 1) throw new Error(`expected one error, got ${r.errors.length}: ${r.errors.map((e) => e.message).join('; ')}`);
  return r.errors[0]!;
}
