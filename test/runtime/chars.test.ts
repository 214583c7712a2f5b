import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run, values } from './harness.js';

test('[char]: casts, string indexing and ToCharArray give chars that print as text and convert to their code', async () => {
  assert.deepEqual(
    await values(`
      [char]0x41
      [int][char]'a'
      [int]"\`e"[0]
      [int][char]"\`u{41}"
      "\`u{2195}".Length
      [char]([int][char]'a' + 1)
      ('abc'[0]).GetType().Name
      'abc'[0] -eq 'A'
      'abc'[1] + 'x'
      ('a,b;c'.Split([char[]]',;')) -join '|'
      ('cba'.ToCharArray() | Sort-Object) -join ''
    `),
    ['A', 97, 27, 65, 1, 'b', 'Char', true, 'bx', 'a|b|c', 'abc'],
  );
  assert.match((await run("[char]'ab'")).errors[0]?.message ?? '', /String must be exactly one character long/);
});

test('argument mode: pieces written without spaces are one argument; $1 is a variable; 16p is a command', async () => {
  assert.deepEqual(await values("$n = 'pc'; Write-Output $n-01 a$n $n/x; Write-Output ($n + '-02')"), ['pc-01', 'apc', 'pc/x', 'pc-02']);
  assert.deepEqual(await values("$1 = 'Goodbye'; 'Hello World' -replace '(\\w+) \\w+', \"$1 Universe\""), ['Goodbye Universe']);
  assert.equal((await run('try { 16p } catch { $_.Exception.GetType().Name }')).output[0], 'CommandNotFoundException');
});

test('-is [psobject] holds for custom objects, not for plain .NET values', async () => {
  assert.deepEqual(await values("'hello' -is [psobject]; 5 -is [psobject]; [pscustomobject]@{ a = 1 } -is [psobject]"), [false, false, true]);
});
