import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import type { CommandEntry } from '../../src/runtime/session.js';
import { commands as core } from '../../cmdlets/index.js';
import { run, values } from './harness.js';
import { CHOICES_HELP, CHOICES_LINE, readAnswer, type ConfirmAnswer, type ConfirmQuestion } from '../../src/runtime/confirm.js';

let produced = 0;
const trace: string[] = [];

const counter = defineCmdlet({
  name: 'Get-Counter',
  synopsis: 'Counts up forever (or to -Limit), recording how far it got.',
  parameters: { Limit: { type: 'int', default: Number.MAX_SAFE_INTEGER, description: 'Where to stop.' } },
  examples: [],
  async *process(params) {
    for (let i = 1; i <= params.Limit; i++) {
      produced = i;
      trace.push(`produce ${i}`);
      yield i;
    }
  },
});

const remove = defineCmdlet({
  name: 'Remove-Thing',
  synopsis: 'A high-impact change.',
  impact: 'high',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, pipeline: 'value', description: 'What to remove.' },
    Force: { type: 'switch', description: 'Skips the confirmation.' },
  },
  examples: [],
  async *process(params, ctx) {
    ctx.writeVerbose(`removing ${params.Name}`);
    if (await ctx.shouldProcess(params.Name, 'Remove', { force: params.Force })) yield `removed ${params.Name}`;
  },
});

const commands: CommandEntry[] = [
  ...core,
  { name: 'Get-Counter', aliases: [], load: async () => ({ default: counter }) },
  { name: 'Remove-Thing', aliases: [], load: async () => ({ default: remove }) },
];

test('Select-Object -First stops an infinite upstream', async () => {
  produced = 0;
  assert.deepEqual(await values('Get-Counter | Select-Object -First 3', { commands }), [1, 2, 3]);
  assert.equal(produced, 3);
  produced = 0;
  assert.deepEqual(await values('Get-Counter | Where-Object { $_ % 5 -eq 0 } | Select-Object -First 2', { commands }), [5, 10]);
  assert.equal(produced, 10);
});

test('an infinite script loop upstream also stops', async () => {
  assert.deepEqual(await values('function forever { $i = 0; while ($true) { $i++; $i } }; forever | Select-Object -First 2'), [1, 2]);
});

test('stages stream: each object goes through the pipeline before the next is produced', async () => {
  trace.length = 0;
  await run('Get-Counter -Limit 3 | ForEach-Object { $_ * 10 }', {
    commands,
    onOutput: (item) => trace.push(`output ${String(item)}`),
  });
  assert.deepEqual(trace, ['produce 1', 'output 10', 'produce 2', 'output 20', 'produce 3', 'output 30']);
});

test('an AbortSignal stops the pipeline (Start-Sleep is cancellable)', async () => {
  const controller = new AbortController();
  const started = Date.now();
  setTimeout(() => controller.abort(), 100);
  const r = await run("Start-Sleep -Seconds 30; 'not reached'", { signal: controller.signal });
  assert.ok(Date.now() - started < 5000);
  assert.deepEqual(r.data, []);
  assert.equal(r.errors[0]?.id, 'PipelineStopped');
});

test('an AbortSignal stops an infinite upstream', async () => {
  const controller = new AbortController();
  const r = await run('Get-Counter | ForEach-Object { $_ }', { commands, signal: controller.signal, onOutput: (i) => i === 1000 && controller.abort() });
  assert.equal(r.errors[0]?.id, 'PipelineStopped');
  assert.ok(r.output.length >= 1000 && r.output.length < 1100);
});

test('-WhatIf describes the change and makes none', async () => {
  const r = await run('Remove-Thing lab1 -WhatIf', { commands });
  assert.deepEqual(r.data, []);
  assert.deepEqual(r.hostText, ['What if: Performing the operation "Remove" on target "lab1".']);
});

test('high impact without a terminal refuses, unless -Force or -Confirm:$false', async () => {
  const refused = await run('Remove-Thing lab1', { commands });
  assert.equal(refused.errors[0]?.fullyQualifiedId, 'ConfirmationRequired,Remove-Thing');
  assert.match(refused.errors[0]!.hint!, /-Force or -Confirm:\$false/);
  assert.deepEqual((await run('Remove-Thing lab1 -Confirm:$false', { commands })).data, ['removed lab1']);
  assert.deepEqual((await run('Remove-Thing lab1 -Force', { commands })).data, ['removed lab1']);
  const explicit = await run('Remove-Thing lab1 -Force -Confirm', { commands, confirm: async () => 'No' });
  assert.deepEqual(explicit.data, [], 'an explicit -Confirm still asks');
});

test("-Confirm asks PowerShell's question when there is a terminal", async () => {
  const asked: ConfirmQuestion[] = [];
  const yes = await run('Remove-Thing lab1 -Confirm', { commands, confirm: async (q) => (asked.push(q), 'Yes') });
  assert.deepEqual(yes.data, ['removed lab1']);
  assert.deepEqual(asked, [{ caption: 'Confirm', message: 'Are you sure you want to perform this action?\nPerforming the operation "Remove" on target "lab1".' }]);
  const no = await run('Remove-Thing lab1', { commands, confirm: async () => 'No' });
  assert.deepEqual(no.data, []);
});

test('Yes to All and No to All answer for the rest of the pipeline; N skips one; Ctrl+C stops the pipeline', async () => {
  const answering = (...answers: ConfirmAnswer[]) => {
    const asked: string[] = [];
    return { asked, confirm: async (q: ConfirmQuestion) => (asked.push(q.message.split('"').at(-2)!), answers.shift()!) };
  };
  const all = answering('No', 'YesToAll');
  assert.deepEqual((await run("'a','b','c','d' | Remove-Thing", { commands, confirm: all.confirm })).data, ['removed b', 'removed c', 'removed d']);
  assert.deepEqual(all.asked, ['a', 'b']);
  const none = answering('Yes', 'NoToAll');
  assert.deepEqual((await run("'a','b','c' | Remove-Thing", { commands, confirm: none.confirm })).data, ['removed a']);
  assert.deepEqual(none.asked, ['a', 'b']);
  const next = answering('YesToAll', 'Yes');
  await run("'a' | Remove-Thing; 'b' | Remove-Thing", { commands, confirm: next.confirm });
  assert.deepEqual(next.asked, ['a', 'b'], 'the next pipeline asks again');
  const cancelled = await run("'a','b' | Remove-Thing", { commands, confirm: async () => 'Cancel' });
  assert.deepEqual(cancelled.data, []);
  assert.equal(cancelled.errors[0]?.id, 'PipelineStopped');
});

test('a typed answer: a letter or its label, Enter for Yes, ? for help, S explains itself', () => {
  assert.deepEqual(readAnswer(''), { answer: 'Yes' });
  assert.deepEqual(readAnswer(' a '), { answer: 'YesToAll' });
  assert.deepEqual(readAnswer('No to All'), { answer: 'NoToAll' });
  assert.deepEqual(readAnswer('n'), { answer: 'No' });
  assert.equal((readAnswer('?') as { again: string }).again, CHOICES_HELP);
  assert.match((readAnswer('s') as { again: string }).again, /^S - Not available in mcshell/);
  assert.deepEqual(readAnswer('x'), { again: '' });
  assert.equal(CHOICES_LINE, '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [S] Suspend  [?] Help (default is "Y"): ');
});

test('-Verbose shows verbose messages; -OutVariable keeps the output', async () => {
  const quiet = await run('Remove-Thing a -Confirm:$false', { commands });
  assert.deepEqual(quiet.verbose, []);
  const loud = await run('Remove-Thing a -Confirm:$false -Verbose -OutVariable got; $got.Count', { commands });
  assert.deepEqual(loud.verbose, ['removing a']);
  assert.deepEqual(loud.data, ['removed a', 1]);
});
