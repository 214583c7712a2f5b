// A cmdlet as a pipeline stage: its begin, process and end blocks driven over the pipeline's
// objects, with the context (CmdletContext) they run with.
import type { ScriptBlockExpression, SourceSpan } from '../../language/ast.js';
import { Binder, ERROR_ACTIONS, type Binding } from '../binder.js';
import { FORMATTED_TEXT, type CmdletContext, type CmdletDeclaration, type VariableScope } from '../cmdlet.js';
import {
  BreakSignal,
  ContinueSignal,
  ErrorRecord,
  ExitSignal,
  PipelineStoppedError,
  ReturnSignal,
  RuntimeError,
  StopUpstreamSignal,
  type ErrorInit,
} from '../errors.js';
import { resolve } from 'node:path';
import { InformationRecord, StreamRecord } from '../streams.js';
import type { Scope } from '../scope.js';
import { ScriptBlock } from '../scriptblock.js';
import type { ProgressRecord } from '../session.js';
import { TYPE_NAME, enumerate, isPlainObject, SHOWN_AS_TEXT, toStr, withTypeName } from '../values.js';
import { type Env, type Output, checkpoint, lookupVariable, asRuntimeError } from './env.js';
import { type ConfirmState, shouldProcess } from './should-process.js';
import { type InvokeOptions, runScriptBlock, collectScriptBlock } from './blocks.js';
import { type JobOptions, startJob } from './background.js';

class Context implements CmdletContext {
  readonly boundParameters: ReadonlySet<string>;
  readonly state: unknown;
  /** Yes to All / No to All: the answer for the rest of this command's work in this pipeline. */
  private readonly confirmState: ConfirmState = {};
  /** The -ErrorVariable list the errors written also go to. */
  private readonly errorVariable: unknown[] | undefined;
  constructor(
    private readonly decl: CmdletDeclaration,
    private readonly binding: Binding,
    private readonly env: Env,
    private readonly span: SourceSpan,
    readonly expectingInput: boolean,
  ) {
    this.boundParameters = binding.bound;
    this.state = decl.state?.();
    const name = binding.common.errorVariable;
    if (name !== undefined) {
      // `-ErrorVariable +name` appends to what the variable holds; `name` starts it afresh.
      const append = name.startsWith('+');
      const variable = append ? name.slice(1) : name;
      const current = env.scope.get(variable);
      this.errorVariable = append && Array.isArray(current) ? current : append && current !== null ? [current] : [];
      env.scope.setLocal(variable, this.errorVariable);
    }
  }
  get command() {
    return this.decl.name;
  }
  get signal() {
    return this.env.signal;
  }
  get host() {
    return this.env.session.host;
  }
  get site() {
    return this.env.session.site;
  }
  get views() {
    return this.env.session.views;
  }
  private record(error: ErrorInit | ErrorRecord): ErrorRecord {
    const record = error instanceof ErrorRecord ? error : new ErrorRecord({ ...error, command: this.decl.name });
    record.command ??= this.decl.name;
    record.span ??= this.span;
    return record;
  }
  writeError(error: ErrorInit | ErrorRecord): void {
    const record = this.record(error);
    this.errorVariable?.push(record);
    const preference = toStr(this.env.scope.get('ErrorActionPreference'));
    const action = this.binding.common.errorAction ?? ERROR_ACTIONS.find((a) => a.toLowerCase() === preference.toLowerCase()) ?? 'Continue';
    if (action === 'Stop') throw new RuntimeError(record, true);
    if (action === 'Ignore') return;
    const route = this.env.streams?.error;
    this.env.session.reportError(record, action === 'SilentlyContinue' || route !== undefined);
    if (route && action !== 'SilentlyContinue') route(record);
  }
  error(error: ErrorInit): RuntimeError {
    return new RuntimeError(this.record(error));
  }
  stopUpstream(): never {
    throw new StopUpstreamSignal();
  }
  writeWarning(message: string): void {
    const route = this.env.streams?.warning;
    if (route) route(new StreamRecord(message));
    else this.env.session.warn(message, null);
  }
  writeVerbose(message: string): void {
    const preference = toStr(this.env.scope.get('VerbosePreference')).toLowerCase();
    if (!(this.binding.common.verbose || preference === 'continue')) return;
    const route = this.env.streams?.verbose;
    if (route) route(new StreamRecord(message));
    else this.env.session.host.writeVerbose(message);
  }
  writeInformation(data: unknown, show: boolean): void {
    const route = this.env.streams?.information;
    if (route) route(new InformationRecord(data, toStr(data)));
    else if (show) this.env.session.host.writeHost(toStr(data), false);
  }
  history(): readonly string[] {
    return this.env.session.host.history?.() ?? [];
  }
  writeProgress(progress: ProgressRecord): void {
    if (toStr(this.env.scope.get('ProgressPreference')).toLowerCase() !== 'silentlycontinue') this.env.session.host.writeProgress?.(progress);
  }
  async readLine(prompt: string, options: { mask: boolean }): Promise<string | null> {
    const host = this.env.session.host;
    return host.readLine ? host.readLine(prompt, options) : null;
  }
  writeDebug(message: string): void {
    if (toStr(this.env.scope.get('DebugPreference')).toLowerCase() === 'silentlycontinue') return;
    const route = this.env.streams?.debug;
    if (route) route(new StreamRecord(message));
    else this.env.session.host.writeDebug?.(message);
  }
  bindScriptBlock(node: ScriptBlockExpression): ScriptBlock {
    return new ScriptBlock(node, this.env.scope);
  }
  removeVariable(name: string, scope?: 'global' | 'script' | 'local'): boolean {
    return (scope === 'global' || scope === 'script' ? this.env.scope.find(scope) : this.env.scope).remove(name, scope === undefined);
  }
  writeHost(text: string, options: { noNewline?: boolean } = {}): void {
    const route = this.env.streams?.information;
    if (route) route(new InformationRecord(text, text));
    else this.env.session.host.writeHost(text, options.noNewline ?? false);
  }
  shouldProcess(target: string, action: string, options: { force?: boolean } = {}): Promise<boolean> {
    return shouldProcess(this.env, this.binding, { command: this.decl.name, impact: this.decl.impact, state: this.confirmState, force: options.force }, target, action, this.span);
  }
  invoke(block: ScriptBlock, options: InvokeOptions = {}): unknown[] | AsyncIterable<unknown> {
    return runScriptBlock(block, this.env, options);
  }
  startJob(block: ScriptBlock, options: JobOptions) {
    return startJob(block, this.env, options);
  }
  get jobs() {
    return this.env.session.jobs;
  }
  invokeCollect(block: ScriptBlock, options: InvokeOptions = {}): Promise<unknown[]> {
    return collectScriptBlock(block, this.env, options);
  }
  getVariable(name: string): unknown {
    return lookupVariable(name, this.env);
  }
  setVariable(name: string, value: unknown, scope?: 'global' | 'script' | 'local'): void {
    this.env.scope.set(name, value, scope ?? null);
  }
  listVariables(scope?: VariableScope) {
    return scope === undefined ? this.env.scope.list() : this.scopeNamed(scope).list();
  }
  get strictMode(): number {
    return this.env.scope.strictVersion();
  }
  hasVariable(name: string, scope: VariableScope): boolean {
    return this.scopeNamed(scope).hasLocal(name);
  }
  private scopeNamed(scope: VariableScope): Scope {
    if (scope === 'global' || scope === 'script') return this.env.scope.find(scope);
    const found = this.env.scope.ancestor(scope === 'local' ? 0 : scope);
    if (!found) throw this.error({ id: 'ArgumentOutOfRange', category: 'InvalidArgument', message: `The scope number '${scope}' exceeds the number of active scopes.`, target: scope });
    return found;
  }
  resolvePath(path: string): string {
    if (path.includes('\0')) throw this.error({ id: 'InvalidPath', category: 'InvalidArgument', message: `The path '${path.replaceAll('\0', '\\0')}' holds a NUL character, which no file name can.`, target: path });
    return resolve(this.env.session.cwd, path);
  }
  get location() {
    return this.env.session.cwd;
  }
  setLocation(path: string): void {
    this.env.session.setLocation(path);
  }
  listCommands() {
    return this.env.session.listCommands(this.env.scope);
  }
  setStrictMode(version: number): void {
    this.env.scope.setStrictMode(version);
  }
}

/** What a cmdlet block returned: items to iterate (for-await takes both kinds), a promise of its end, or null. */
function drive(result: ReturnType<NonNullable<CmdletDeclaration['process']>>): AsyncIterable<unknown> | Iterable<unknown> | Promise<void> | null {
  if (result === undefined || result === null) return null;
  if (typeof (result as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') return result as AsyncIterable<unknown>;
  if (typeof (result as Iterable<unknown>)[Symbol.iterator] === 'function') return result as Iterable<unknown>;
  return result as Promise<void>;
}

export async function* cmdletStage(
  decl: CmdletDeclaration,
  binder: Binder,
  binding: Binding,
  env: Env,
  upstream: AsyncIterable<unknown> | null,
  span: SourceSpan,
): Output {
  const ctx = new Context(decl, binding, env, span, upstream !== null);
  const outVariable = binding.common.outVariable;
  const pipelineVariable = binding.common.pipelineVariable;
  const collected: unknown[] = [];
  const typeName = decl.outputType?.name;
  const formatsText = typeName === FORMATTED_TEXT.name;
  /** Starts a begin/process/end block: the items it outputs, a promise of its end, or null. */
  function start(block: CmdletDeclaration['process'], values: Record<string, unknown>): ReturnType<typeof drive> {
    return block ? drive(block.call(decl, values as never, ctx)) : null;
  }
  /** Checks for cancellation and tags an output item (run for each item a block outputs). */
  function emitted(item: unknown): unknown {
    if (env.signal.aborted) throw new PipelineStoppedError();
    if (typeName && isPlainObject(item) && !(TYPE_NAME in item)) withTypeName(item, typeName);
    if (formatsText && (typeof item === 'string' || (typeof item === 'object' && item !== null && SHOWN_AS_TEXT in item))) env.session.formattedText.add(item);
    if (outVariable) collected.push(item);
    if (pipelineVariable) env.scope.setLocal(pipelineVariable, item);
    return item;
  }
  // The blocks' output is iterated here rather than through a generator per block: a process
  // block runs once per pipeline object, and each generator layer costs a promise per item.
  try {
    const initial = binder.finalValues(binding);
    const begun = start(decl.begin, initial);
    if (begun instanceof Promise) await begun;
    else if (begun) for await (const item of begun) yield emitted(item);
    try {
      if (upstream) {
        for await (const item of upstream) {
          const turn = checkpoint(env);
          if (turn) await turn;
          const values = binder.inputValues(binding, item, span);
          if (values instanceof ErrorRecord) {
            ctx.writeError(values);
            continue;
          }
          const processed = start(decl.process, values);
          if (processed instanceof Promise) await processed;
          else if (Array.isArray(processed)) for (const out of processed) yield emitted(out);
          else if (processed) for await (const out of processed) yield emitted(out);
        }
      } else {
        const processed = start(decl.process, initial);
        if (processed instanceof Promise) await processed;
        else if (processed) for await (const out of processed) yield emitted(out);
      }
    } catch (e) {
      // Leaving the for-await closes the upstream generators: their work stops here.
      if (!(e instanceof StopUpstreamSignal)) throw e;
    }
    const ended = start(decl.end, initial);
    if (ended instanceof Promise) await ended;
    else if (ended) for await (const item of ended) yield emitted(item);
  } catch (e) {
    if (e instanceof BreakSignal || e instanceof ContinueSignal || e instanceof ReturnSignal || e instanceof ExitSignal || e instanceof PipelineStoppedError) throw e;
    throw asRuntimeError(e, decl.name, span);
  } finally {
    // -OutVariable +name adds to what the variable holds.
    if (outVariable?.startsWith('+')) env.scope.setLocal(outVariable.slice(1), [...enumerate(env.scope.get(outVariable.slice(1))), ...collected]);
    else if (outVariable) env.scope.setLocal(outVariable, collected);
  }
}
