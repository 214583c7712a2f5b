// try/catch with typed catches, throw of exceptions, $_.Exception and $_.CategoryInfo, trap.
// Expected values: MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Core/About
// about_Try_Catch_Finally, about_Throw, about_Trap (the section in each test name), and .NET's
// exception hierarchy (DivideByZeroException : ArithmeticException : SystemException : Exception).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

const v = async (source: string) => values(source);

test('catch [Type] takes errors of that type or a derived one (about_Try_Catch_Finally, Catching errors)', async () => {
  assert.deepEqual(await v("try { 1 / 0 } catch [System.DivideByZeroException] { 'dz' }"), ['dz']);
  assert.deepEqual(await v("try { 1 / 0 } catch [ArithmeticException] { 'arith' }"), ['arith']);
  assert.deepEqual(await v("try { 1 / 0 } catch [System.Exception] { 'any' }"), ['any']);
  assert.deepEqual(await v("try { NonsenseString } catch [System.Management.Automation.CommandNotFoundException] { 'cnf' }"), ['cnf']);
  assert.deepEqual(await v("try { [int]'abc' } catch [InvalidCastException] { 'cast' }"), ['cast']);
});

test('the first catch whose type matches runs; an untyped catch takes the rest (about_Try_Catch_Finally)', async () => {
  assert.deepEqual(await v("try { throw 'boom' } catch [DivideByZeroException] { 'no' } catch { \"other: $_\" }"), ['other: boom']);
  assert.deepEqual(await v("try { 1/0 } catch [ArgumentException], [DivideByZeroException] { 'listed' }"), ['listed']);
});

test('an error no catch takes goes on to the enclosing try (about_Try_Catch_Finally)', async () => {
  assert.deepEqual(await v("try { try { throw 'inner' } catch [ArgumentException] { 'no' } finally { 'fin' } } catch { \"outer: $($_.Exception.Message)\" }"), ['fin', 'outer: inner']);
  const r = await run("try { throw 'loose' } catch [ArgumentException] { 'no' }; 'not reached'");
  assert.deepEqual(r.data, []);
  assert.equal(r.errors[0]?.message, 'loose');
});

test('throw [ArgumentException]::new() and $_.Exception (about_Throw; about_Try_Catch_Finally, Accessing exception information)', async () => {
  assert.deepEqual(
    await v("try { throw [System.ArgumentException]::new('bad arg') } catch [System.ArgumentException] { $_.Exception.Message; $_.Exception.GetType().Name; $_.Exception.GetType().FullName }"),
    ['bad arg', 'ArgumentException', 'System.ArgumentException'],
  );
  assert.deepEqual(await v("try { throw [ArgumentNullException]::new('p') } catch [ArgumentException] { 'base caught' }"), ['base caught']);
  // throw of a string raises a RuntimeException with that message.
  assert.deepEqual(await v("try { throw 'x' } catch { $_.Exception.GetType().Name; $_.Exception.Message }"), ['RuntimeException', 'x']);
  // An operator's .NET exception is wrapped in a RuntimeException.
  assert.deepEqual(await v('try { 1/0 } catch { $_.Exception.GetType().Name; $_.Exception.InnerException.GetType().Name }'), ['RuntimeException', 'DivideByZeroException']);
});

test('$_.CategoryInfo names the category and the exception (about_Automatic_Variables, $_)', async () => {
  assert.deepEqual(await v("try { throw 'x' } catch { $_.CategoryInfo.Category; $_.CategoryInfo.Reason; \"$($_.CategoryInfo)\" }"), [
    'OperationStopped',
    'RuntimeException',
    'OperationStopped: (x:String) [], RuntimeException',
  ]);
});

test('a catch naming an unknown type is an error (PowerShell: Unable to find type)', async () => {
  const r = await run("try { throw 'q' } catch [NoSuchException] { }");
  assert.equal(r.errors[0]?.message, 'Unable to find type [NoSuchException].');
});

test('trap: continue resumes after the failed statement (about_Trap, Using continue)', async () => {
  assert.deepEqual(await v("function f { trap { \"trapped: $_\"; continue }; 'a'; throw 'err'; 'b' }; f"), ['a', 'trapped: err', 'b']);
  // A trap later in the list handles errors before it too.
  assert.deepEqual(await v("& { 1/0; 'next'; trap { 'caught'; continue } }"), ['caught', 'next']);
});

test('trap: without continue the error is written and the next statement runs (about_Trap)', async () => {
  const r = await run("& { trap { 'plain' }; throw 'p'; 'next' }");
  assert.deepEqual(r.data, ['plain', 'next']);
  assert.equal(r.errors[0]?.message, 'p');
});

test('trap: break passes the error on; a typed trap takes only its type (about_Trap, Using break)', async () => {
  assert.deepEqual(await v("function g { trap [DivideByZeroException] { 'dz'; break }; 1/0; 'after' }; try { g } catch { \"g threw: $_\" }"), ['dz', 'g threw: Attempted to divide by zero.']);
  const r = await run("& { trap [ArgumentException] { 'no'; continue }; throw 'other'; 'next' }");
  assert.deepEqual(r.data, []);
  assert.equal(r.errors[0]?.message, 'other');
});

test('a trap in the caller catches an error in a function it calls, and resumes after the call (about_Trap, Trapping errors and scope)', async () => {
  assert.deepEqual(await v("function inner { throw 'deep'; 'not here' }; & { trap { \"outer trap: $_\"; continue }; inner; 'after call' }"), ['outer trap: deep', 'after call']);
});

test('runaway recursion fails with PowerShell\'s call depth overflow, catchable (ScriptCallDepthException)', async () => {
  assert.deepEqual(
    await v("function f { f }; try { f } catch [System.Management.Automation.ScriptCallDepthException] { $_.Exception.Message }; function g($n) { if ($n -le 0) { return 0 }; 1 + (g ($n - 1)) }; g 500"),
    ['The script failed due to call depth overflow.', 500],
  );
});

test('exhausted resources are catchable error records, not internal errors', async () => {
  assert.deepEqual(await v("try { 'a' * 1GB } catch [OutOfMemoryException] { $_.CategoryInfo.Category }"), ['LimitsExceeded']);
  const r = await run("'a' * 1GB; 'next'");
  assert.deepEqual(r.data, ['next']);
  assert.equal(r.errors[0]?.id, 'OutOfMemory');
});

test("$ErrorActionPreference = 'Stop' ends the script at a command-not-found error too (about_Preference_Variables)", async () => {
  const r = await run("$ErrorActionPreference = 'Stop'; 'before'; Get-NoSuchThing; 'after'");
  assert.deepEqual(r.data, ['before']);
  assert.equal(r.errors[0]?.id, 'CommandNotFound');
});

test('-ErrorAction Ignore keeps nothing; -ErrorVariable name / +name collects (about_CommonParameters)', async () => {
  assert.deepEqual(await v("$before = $Error.Count; Write-Error 'ignored' -ErrorAction Ignore; $Error.Count - $before"), [0]);
  assert.deepEqual(await v("Write-Error 'e1' -ErrorAction SilentlyContinue -ErrorVariable ev; $ev.Count; \"$($ev[0])\"; Write-Error 'e2' -ErrorAction SilentlyContinue -ErrorVariable +ev; $ev.Count"), [1, 'e1', 2]);
});

test('control cannot leave a finally block (PowerShell parse error ControlLeavingFinally)', async () => {
  await assert.rejects(run("foreach ($i in 1) { try { 1 } finally { break } }"), /Control cannot leave a finally block/);
  await assert.rejects(run('function f { try { } finally { return } }'), /Control cannot leave a finally block/);
  assert.deepEqual(await v('try { 1 } finally { foreach ($i in 1, 2) { if ($i -eq 2) { break }; $i } }'), [1, 1]);
});

test('an exception made by New-Object or [type]::new is the kind catch [Type] matches (about_Throw, about_Try_Catch_Finally)', async () => {
  assert.deepEqual(await v("try { throw (New-Object System.ArgumentException 'x') } catch [ArgumentException] { $_.Exception.Message }"), ['x']);
  assert.deepEqual(await v("try { throw ([System.ArgumentNullException]::new('p')) } catch [ArgumentException] { $_.Exception.GetType().Name }"), ['ArgumentNullException']);
  assert.deepEqual(await v("(New-Object System.InvalidOperationException 'y').GetType().FullName"), ['System.InvalidOperationException']);
});
