// Background jobs: the session's job table, and the job cmdlets run through the interpreter.
// Expected behaviour: PowerShell/PowerShell test/powershell/Modules/Microsoft.PowerShell.Core/
// Job.Tests.ps1, and MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/
// About/about_Jobs.md, Receive-Job.md, Wait-Job.md, Remove-Job.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorRecord } from '../../src/runtime/errors.js';
import { Job, JobTable } from '../../src/runtime/jobs.js';
import { run, values } from './harness.js';

test('the job table numbers jobs from 1, names them Job<Id> unless named, finds and removes them', () => {
  const table = new JobTable();
  const a = table.create('1 + 1');
  const b = table.create('Start-Sleep 9', 'copy');
  assert.deepEqual([a.Id, a.Name, b.Id, b.Name, a.State], [1, 'Job1', 2, 'copy', 'NotStarted']);
  assert.equal(table.byId(2), b);
  table.remove(a);
  assert.deepEqual(table.list(), [b]);
  assert.equal(table.create('x').Id, 3, 'Ids are not reused');
});

test('a job keeps what it wrote until received: -Keep leaves it, a plain receive takes it (HasMoreData)', () => {
  const job = new Job(1, 'Job1', '');
  job.started();
  job.Output.push(1, 2);
  job.wrote();
  assert.equal(job.HasMoreData, true);
  assert.deepEqual(job.receive(true).output, [1, 2]);
  assert.equal(job.HasMoreData, true);
  assert.deepEqual(job.receive(false).output, [1, 2]);
  assert.deepEqual([job.receive(false).output, job.HasMoreData], [[], false]);
});

test('a failed job records the reason in JobStateInfo and its error stream; stopping a job that never started ends it', async () => {
  const job = new Job(1, 'Job1', 'throw');
  job.started();
  const reason = new ErrorRecord({ id: 'RuntimeException', message: 'boom' });
  job.ended('Failed', reason);
  assert.deepEqual([job.State, String(job.JobStateInfo), job.JobStateInfo.Reason?.Message, job.Error, job.HasMoreData], ['Failed', 'Failed', 'boom', [reason], true]);
  assert.ok(job.PSEndTime instanceof Date && job.PSBeginTime instanceof Date);
  const idle = new JobTable().create('x');
  await idle.stop();
  assert.equal(idle.State, 'Stopped');
});

test('Start-Job runs the block in the background: arguments and $using: reach it, the caller\'s variables do not', async () => {
  assert.deepEqual(
    await values('$x = 7; $j = Start-Job { param($a) "[$x] $a $using:x" } -ArgumentList 5; $null = Wait-Job $j; Receive-Job $j; $j.State; $j.Command'),
    ['[] 5 7', 'Completed', 'param($a) "[$x] $a $using:x"'],
  );
});

test('Receive-Job returns output once; errors and warnings of the job come on the caller\'s streams', async () => {
  const r = await run("$j = Start-Job { 'a'; Write-Error 'bad'; Write-Warning 'careful'; 'b' }; Receive-Job $j -Wait; Receive-Job $j; $j.HasMoreData");
  assert.deepEqual(r.data, ['a', 'b', false]);
  assert.deepEqual([r.errors.map((e) => e.message), r.warnings], [['bad'], ['careful']]);
});

test('a terminating error fails the job with the reason; Receive-Job writes it as a non-terminating error', async () => {
  const r = await run("$j = Start-Job { 'before'; throw 'boom'; 'after' }; Receive-Job $j -Wait; 'caller goes on'; $j.State; $j.ChildJobs[0].JobStateInfo.Reason.Message");
  assert.deepEqual(r.data, ['before', 'caller goes on', 'Failed', 'boom']);
  assert.deepEqual(r.errors.map((e) => e.message), ['boom']);
});

test('Stop-Job stops an endless job (Stopped, nothing to receive, no error); Wait-Job -Timeout gives nothing for a running job', async () => {
  const r = await run('$j = Start-Job { while ($true) { } }; $w = Wait-Job $j -Timeout 0; "[$w]"; $j.State; Stop-Job $j; $j.State; Receive-Job $j');
  assert.deepEqual(r.data, ['[]', 'Running', 'Stopped']);
  assert.deepEqual(r.errors, []);
});

test('Remove-Job refuses a running job without -Force; -Force stops and removes it; Get-Job -Id then errors', async () => {
  const r = await run('$j = Start-Job { Start-Sleep 60 }; Remove-Job $j; (Get-Job).Count; Remove-Job $j -Force; $j.State; @(Get-Job).Count; Get-Job -Id $j.Id');
  assert.deepEqual(r.data, [1, 'Stopped', 0]);
  assert.deepEqual(r.errors.map((e) => e.fullyQualifiedId), ['JobObjectNotFinishedCannotBeRemoved,Remove-Job', 'JobWithSpecifiedIdNotFound,Get-Job']);
});

test('Get-Job by name (wildcards), Id and state; Wait-Job -Any returns once one job has finished', async () => {
  const out = await values(
    "$a = Start-Job { 1 } -Name copy-a; $b = Start-Job { Start-Sleep 60 } -Name copy-b; (Wait-Job $a, $b -Any).Name; (Get-Job -Name copy-*).Count; (Get-Job -State Running).Name; (Get-Job 1).Name; Stop-Job $b",
  );
  assert.deepEqual(out, ['copy-a', 2, 'copy-b', 'copy-a']);
});

test('Ctrl+C stops the command in front, not the background job', async () => {
  const controller = new AbortController();
  const r = await run("$null = Start-Job { while ($true) { } }; 'started'; Start-Sleep 60", { signal: controller.signal, onOutput: () => controller.abort() });
  assert.deepEqual(r.errors.map((e) => e.id), ['PipelineStopped']);
  const job = r.session.jobs.byId(1)!;
  assert.equal(job.State, 'Running');
  await r.session.jobs.stopAll();
  assert.equal(job.State, 'Stopped');
});
