// Pipelines: each element a stage that pulls from the one before it, and redirections.
import type { Expression, Pipeline, Redirection } from '../../language/ast.js';
import { ErrorRecord } from '../errors.js';
import { appendFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LoopEnumerator } from '../enumerator.js';
import { streamsOf, type StreamRoutes } from '../streams.js';
import { enumerate, toStr } from '../values.js';
import { type Env, type Output, checkpoint } from './env.js';
import { evaluate } from './expressions.js';
import { type Stage, prepareCommand } from './commands.js';

async function* expressionStage(expr: Expression, env: Env): Output {
  const value = await evaluate(expr, env);
  if (value === undefined) return;
  if (Array.isArray(value) || value instanceof LoopEnumerator) {
    for (const item of enumerate(value)) {
      const turn = checkpoint(env);
      if (turn) await turn;
      yield item;
    }
  } else yield value;
}

export async function* runPipeline(pipeline: Pipeline, env: Env, input: AsyncIterable<unknown> | null = null): Output {
  const stages: Stage[] = [];
  for (const [i, element] of pipeline.elements.entries()) {
    const redirection = element.redirections ? await redirect(element.redirections, env) : null;
    const elementEnv = redirection?.env ?? env;
    const stage: Stage = element.kind === 'ExpressionElement' ? () => expressionStage(element.expression, elementEnv) : await prepareCommand(element, elementEnv, i > 0 || input !== null);
    stages.push(redirection ? (upstream) => redirection.wrap(stage(upstream)) : stage);
  }
  let stream: AsyncIterable<unknown> | null = input;
  for (const stage of stages) stream = stage(stream);
  yield* stream!;
}

/**
 * The environment an element with redirections runs in, and the wrapper of its output: records
 * merged into the output (`4>&1`) come out before the next object, dropped ones (`2>$null`)
 * vanish, and those for a file are written to it when the element ends.
 */
async function redirect(redirections: readonly Redirection[], env: Env): Promise<{ env: Env; wrap: (output: AsyncIterable<unknown>) => Output }> {
  const merged: unknown[] = [];
  const files: { path: string; append: boolean; lines: string[] }[] = [];
  const streams: StreamRoutes = { ...env.streams };
  for (const r of redirections) {
    const target = r.target === null ? undefined : await evaluate(r.target, env);
    let route: (record: unknown) => void;
    if (target === undefined) route = (record) => merged.push(record);
    else if (target === null) route = () => {};
    else {
      const file = { path: resolve(env.session.cwd, toStr(target)), append: r.append, lines: [] as string[] };
      files.push(file);
      route = (record) => file.lines.push(record instanceof ErrorRecord ? record.message : toStr(record));
    }
    for (const stream of streamsOf(r.stream)) streams[stream] = route;
  }
  async function* wrap(output: AsyncIterable<unknown>): Output {
    try {
      for await (const item of output) {
        while (merged.length > 0) yield merged.shift();
        yield item;
      }
      while (merged.length > 0) yield merged.shift();
    } finally {
      for (const file of files) (file.append ? appendFileSync : writeFileSync)(file.path, file.lines.map((l) => `${l}\n`).join(''));
    }
  }
  return { env: { ...env, streams }, wrap };
}
