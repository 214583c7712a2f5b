// Start-Job's side of the interpreter: runs a script block as a background job, in a session of
// its own whose host files what the block writes into the job's streams.
import type { Host } from '../session.js';
import type { HostInfo } from '../cmdlet.js';
import { BreakSignal, ContinueSignal, ErrorRecord, ExitSignal, PipelineStoppedError, ReturnSignal, RuntimeError, resourceError } from '../errors.js';
import type { Job } from '../jobs.js';
import { ScriptBlock } from '../scriptblock.js';
import { InformationRecord, StreamRecord } from '../streams.js';
import { type Env, lookupVariable } from './env.js';
import { invokeScriptBlock } from './blocks.js';

export interface JobOptions {
  name?: string;
  args?: unknown[];
}

/**
 * Starts `block` as a job of the session and returns it at once, Running. The job does not see the
 * caller's variables or functions: only its arguments and the `$using:` values, taken now.
 */
export function startJob(block: ScriptBlock, env: Env, options: JobOptions): Job {
  const job = env.session.jobs.create(block.node.text.replace(/^\{|\}$/g, '').trim(), options.name);
  const session = env.session.forJob(jobHost(job, env.session.host));
  for (const name of usingNames(block.node)) session.global.setLocal(`using:${name}`, lookupVariable(name, env));
  const jobEnv: Env = { session, scope: session.global, signal: job.signal, inTry: false, scriptFile: false, depth: 0 };
  job.started();
  void run(job, new ScriptBlock(block.node, session.global), jobEnv, options.args ?? []);
  return job;
}

async function run(job: Job, block: ScriptBlock, env: Env, args: unknown[]): Promise<void> {
  try {
    for await (const item of invokeScriptBlock(block, env, { args })) {
      job.Output.push(item);
      job.wrote();
    }
    job.ended('Completed');
  } catch (e) {
    if (e instanceof PipelineStoppedError) job.ended('Stopped');
    else if (e instanceof ExitSignal || e instanceof ReturnSignal || e instanceof BreakSignal || e instanceof ContinueSignal) job.ended('Completed');
    else if (e instanceof RuntimeError) job.ended('Failed', e.record);
    else if (e instanceof RangeError) job.ended('Failed', resourceError(e, null).record);
    else job.ended('Failed', new ErrorRecord({ id: 'JobFailed', category: 'NotSpecified', message: e instanceof Error ? e.message : String(e), cause: e }));
  }
}

/** The host a job's code writes to: its streams, kept in the job until Receive-Job. */
function jobHost(job: Job, parent: HostInfo): Host {
  const add = <T>(stream: T[], item: T) => {
    stream.push(item);
    job.wrote();
  };
  return {
    isTerminal: false,
    columns: parent.columns,
    color: false,
    output: parent.output,
    writeError: (record) => add(job.Error, record),
    writeWarning: (message) => add(job.Warning, new StreamRecord(message)),
    writeVerbose: (message) => add(job.Verbose, new StreamRecord(message)),
    writeDebug: (message) => add(job.Debug, new StreamRecord(message)),
    writeHost: (text) => add(job.Information, new InformationRecord(text, text)),
    writeProgress: (progress) => job.Progress.push(progress),
  };
}

/** The names `$using:name` refers to in a script block's code. */
function usingNames(node: object): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value !== null && typeof value === 'object') {
      const n = value as { kind?: unknown; name?: unknown };
      if (n.kind === 'Variable' && typeof n.name === 'string' && /^using:/i.test(n.name)) names.add(n.name.slice('using:'.length));
      for (const [key, child] of Object.entries(value)) if (key !== 'span') visit(child);
    }
  };
  visit(node);
  return names;
}
