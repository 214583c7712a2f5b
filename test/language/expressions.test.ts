import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypedNumber } from '../../src/language/numbers.js';
import { arr, bare, bin, expr, num, str, un, v } from './helpers.js';

test('number literals: integers, decimals, hex, exponents, size suffixes', () => {
  assert.deepEqual(expr('42'), num(42));
  assert.deepEqual(expr('1.5'), num(1.5));
  assert.deepEqual(expr('0x1F'), num(31, '0x1F'));
  assert.deepEqual(expr('1e3'), num(new TypedNumber('Double', 1000), '1e3'));
  assert.deepEqual(expr('4MB'), num(4 * 1024 * 1024, '4MB'));
  assert.deepEqual(expr('2kb'), num(2048, '2kb'));
  assert.deepEqual(expr('1GB'), num(2 ** 30, '1GB'));
  assert.deepEqual(expr('3TB'), num(3 * 2 ** 40, '3TB'));
});

test('single-quoted strings: no expansion, doubled quote escapes', () => {
  assert.deepEqual(expr("'it''s $x'"), str("it's $x"));
});

test('double-quoted strings: backtick escapes and doubled quotes', () => {
  assert.deepEqual(expr('"a`tb`nc `"q`" `$x ``"'), str('a\tb\nc "q" $x `', 'double'));
  assert.deepEqual(expr('"say ""hi"""'), str('say "hi"', 'double'));
});

test('double-quoted strings expand $var, $(expr) and $($x.Name)', () => {
  assert.deepEqual(expr('"Hello $name, $($a + 1) and $($x.Name)!"'), {
    kind: 'ExpandableString',
    here: false,
    parts: [
      'Hello ',
      v('name'),
      ', ',
      { kind: 'Subexpression', statements: [{ kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: bin('+', v('a'), num(1)) }] }] },
      ' and ',
      { kind: 'Subexpression', statements: [{ kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: { kind: 'Member', object: v('x'), member: 'Name', isStatic: false } }] }] },
      '!',
    ],
  });
  // `$x.Name` inside a string expands only `$x`, as in PowerShell; a lone `$` stays text.
  // `$5` is a variable, as `"$1 Universe"` expands $1 before -replace sees it (about_Comparison_Operators § Regular expressions substitutions).
  assert.deepEqual(expr('"$x.Name costs $5"'), { kind: 'ExpandableString', here: false, parts: [v('x'), '.Name costs ', v('5')] });
  assert.deepEqual(expr('"costs $ 5"'), str('costs $ 5', 'double'));
  assert.deepEqual(expr('"${odd name}$global:y"'), { kind: 'ExpandableString', here: false, parts: [v('odd name'), v('y', 'global')] });
});

test('here-strings', () => {
  assert.deepEqual(expr("@'\nline 1\n  'quoted' $x\n'@"), str("line 1\n  'quoted' $x", 'here-single'));
  assert.deepEqual(expr('@"\nhi "you"\n"@'), str('hi "you"', 'here-double'));
  assert.deepEqual(expr('@"\nhi $name\n"@'), { kind: 'ExpandableString', here: true, parts: ['hi ', v('name')] });
  assert.deepEqual(expr("@'\n'@"), str('', 'here-single'));
});

test('automatic variables and scopes', () => {
  assert.deepEqual(expr('$true'), v('true'));
  assert.deepEqual(expr('$null'), v('null'));
  assert.deepEqual(expr('$_'), v('_'));
  assert.deepEqual(expr('$script:Count'), v('Count', 'script'));
  assert.deepEqual(expr('$?'), v('?'));
});

test('arrays: comma operator, @() and unary comma', () => {
  assert.deepEqual(expr('1, 2, 3'), arr(num(1), num(2), num(3)));
  assert.deepEqual(expr('@()'), { kind: 'ArraySubexpression', statements: [] });
  assert.deepEqual(expr('@(1; 2)'), {
    kind: 'ArraySubexpression',
    statements: [
      { kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: num(1) }] },
      { kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: num(2) }] },
    ],
  });
  assert.deepEqual(expr(',1'), un(',', num(1)));
});

test('the comma binds tighter than + and .. (PowerShell precedence)', () => {
  assert.deepEqual(expr('1,2 + 3'), bin('+', arr(num(1), num(2)), num(3)));
  assert.deepEqual(expr('(1,2),3'), arr({ kind: 'Paren', pipeline: { kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: arr(num(1), num(2)) }] } }, num(3)));
});

test('arithmetic precedence and left associativity', () => {
  assert.deepEqual(expr('1 + 2 * 3'), bin('+', num(1), bin('*', num(2), num(3))));
  assert.deepEqual(expr('10 - 4 - 3'), bin('-', bin('-', num(10), num(4)), num(3)));
  assert.deepEqual(expr('7 % 3 / 2'), bin('/', bin('%', num(7), num(3)), num(2)));
});

test('unary minus binds tighter than range; range tighter than arithmetic', () => {
  // A minus touching a number is part of the literal, as PowerShell's tokenizer reads it.
  assert.deepEqual(expr('-1..3'), bin('..', num(-1), num(3)));
  assert.deepEqual(expr('- 1..3'), bin('..', un('-', num(1)), num(3)));
  assert.deepEqual(expr('1..$n + 1'), bin('+', bin('..', num(1), v('n')), num(1)));
  assert.deepEqual(expr('1 -5'), bin('-', num(1), num(5)));
});

test('-f binds tighter than arithmetic and takes an array on the right', () => {
  assert.deepEqual(expr("'{0}-{1}' -f 1, 2"), bin('-f', str('{0}-{1}'), arr(num(1), num(2))));
  assert.deepEqual(expr("'{0}' -f 1 + 'x'"), bin('+', bin('-f', str('{0}'), num(1)), str('x')));
});

test('comparison operators, case-insensitive, with -c and -i variants', () => {
  for (const op of ['eq', 'ne', 'gt', 'ge', 'lt', 'le', 'like', 'notlike', 'match', 'notmatch', 'contains', 'notcontains', 'in', 'notin']) {
    assert.deepEqual(expr(`$a -${op} 1`), bin(`-${op}`, v('a'), num(1)), op);
    assert.deepEqual(expr(`$a -c${op} 1`), bin(`-c${op}`, v('a'), num(1)), `c${op}`);
    assert.deepEqual(expr(`$a -i${op} 1`), bin(`-i${op}`, v('a'), num(1)), `i${op}`);
  }
  assert.deepEqual(expr('$a -EQ 1'), bin('-eq', v('a'), num(1)));
  assert.deepEqual(expr('$a -CEq 1'), bin('-ceq', v('a'), num(1)));
});

test('-replace, -split, -join, -is, -isnot, -as', () => {
  assert.deepEqual(expr("$s -replace 'a', 'b'"), bin('-replace', v('s'), arr(str('a'), str('b'))));
  assert.deepEqual(expr("$s -split ','"), bin('-split', v('s'), str(',')));
  assert.deepEqual(expr("$a -join ', '"), bin('-join', v('a'), str(', ')));
  assert.deepEqual(expr('$x -is [int]'), bin('-is', v('x'), { kind: 'TypeLiteral', type: 'int' }));
  assert.deepEqual(expr('$x -isnot [string]'), bin('-isnot', v('x'), { kind: 'TypeLiteral', type: 'string' }));
  assert.deepEqual(expr("'5' -as [int]"), bin('-as', str('5'), { kind: 'TypeLiteral', type: 'int' }));
});

test('logical operators bind loosest; -not and ! bind tightest', () => {
  assert.deepEqual(
    expr('$a -eq 1 -and $b -lt 2 + 3'),
    bin('-and', bin('-eq', v('a'), num(1)), bin('-lt', v('b'), bin('+', num(2), num(3)))),
  );
  assert.deepEqual(expr('$a -or $b -xor $c'), bin('-xor', bin('-or', v('a'), v('b')), v('c')));
  assert.deepEqual(expr('-not $a -eq $b'), bin('-eq', un('-not', v('a')), v('b')));
  assert.deepEqual(expr('!$a'), un('!', v('a')));
  assert.deepEqual(expr('-NOT $a'), un('-not', v('a')));
});

test('grouping, subexpressions', () => {
  assert.deepEqual(expr('(1 + 2) * 3'), bin('*', { kind: 'Paren', pipeline: { kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: bin('+', num(1), num(2)) }] } }, num(3)));
  assert.deepEqual(expr('$(1)'), { kind: 'Subexpression', statements: [{ kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: num(1) }] }] });
});

test('member access, dynamic members, method calls, indexing', () => {
  assert.deepEqual(expr('$x.Name'), { kind: 'Member', object: v('x'), member: 'Name', isStatic: false });
  assert.deepEqual(expr('$x.$prop'), { kind: 'Member', object: v('x'), member: v('prop'), isStatic: false });
  assert.deepEqual(expr("$x.'odd name'"), { kind: 'Member', object: v('x'), member: 'odd name', isStatic: false });
  assert.deepEqual(expr('$s.ToUpper()'), { kind: 'MethodCall', object: v('s'), method: 'ToUpper', args: [], isStatic: false });
  assert.deepEqual(expr('$s.Substring(1, 2)'), { kind: 'MethodCall', object: v('s'), method: 'Substring', args: [num(1), num(2)], isStatic: false });
  assert.deepEqual(expr('$a[0]'), { kind: 'Index', object: v('a'), index: num(0) });
  assert.deepEqual(expr('$a[-1]'), { kind: 'Index', object: v('a'), index: num(-1) });
  assert.deepEqual(expr('$a[1..3]'), { kind: 'Index', object: v('a'), index: bin('..', num(1), num(3)) });
  assert.deepEqual(expr("$h['k'].Count"), { kind: 'Member', object: { kind: 'Index', object: v('h'), index: str('k') }, member: 'Count', isStatic: false });
  assert.deepEqual(expr('(Get-Date).Year'), {
    kind: 'Member',
    object: { kind: 'Paren', pipeline: { kind: 'Pipeline', elements: [{ kind: 'Command', name: 'Get-Date', invoked: false, dotSource: false, args: [] }] } },
    member: 'Year',
    isStatic: false,
  });
  // `.Count-1` is member Count minus 1, not a member named `Count-1`.
  assert.deepEqual(expr('$a.Count-1'), bin('-', { kind: 'Member', object: v('a'), member: 'Count', isStatic: false }, num(1)));
});

test('casts, type literals and static members', () => {
  assert.deepEqual(expr('[int]$x'), { kind: 'Cast', type: 'int', operand: v('x') });
  assert.deepEqual(expr('[string[]]$list'), { kind: 'Cast', type: 'string[]', operand: v('list') });
  assert.deepEqual(expr('[int]$x.Length'), { kind: 'Cast', type: 'int', operand: { kind: 'Member', object: v('x'), member: 'Length', isStatic: false } });
  assert.deepEqual(expr('[Math]::Round(1.5)'), { kind: 'MethodCall', object: { kind: 'TypeLiteral', type: 'math' }, method: 'Round', args: [num(1.5)], isStatic: true });
  assert.deepEqual(expr('[System.Math]::PI'), { kind: 'Member', object: { kind: 'TypeLiteral', type: 'system.math' }, member: 'PI', isStatic: true });
  assert.deepEqual(expr('[int][string]1'), { kind: 'Cast', type: 'int', operand: { kind: 'Cast', type: 'string', operand: num(1) } });
});

test('hashtables: keys as names, strings, numbers; ; or newline separated', () => {
  const entry = (key: unknown, value: unknown) => ({ key, value: { kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: value }] } });
  assert.deepEqual(expr("@{ Name = 'a'; 'k 2' = 2 }"), { kind: 'Hashtable', entries: [entry(bare('Name'), str('a')), entry(str('k 2'), num(2))] });
  assert.deepEqual(expr('@{\n  A = 1\n  B = 2, 3\n\n}'), { kind: 'Hashtable', entries: [entry(bare('A'), num(1)), entry(bare('B'), arr(num(2), num(3)))] });
  assert.deepEqual(expr('@{}'), { kind: 'Hashtable', entries: [] });
  assert.deepEqual(expr('@{ 1 = $x }'), { kind: 'Hashtable', entries: [entry(num(1), v('x'))] });
  // A hashtable value can be a command.
  const [withCommand] = (expr('@{ When = Get-Date -Format o }') as { entries: { value: unknown }[] }).entries;
  assert.deepEqual(withCommand?.value, { kind: 'Pipeline', elements: [{ kind: 'Command', name: 'Get-Date', invoked: false, dotSource: false, args: [{ kind: 'ParameterArgument', name: 'Format', value: null }, { kind: 'PositionalArgument', value: bare('o') }] }] });
});

test('script blocks keep their text and optional param()', () => {
  assert.deepEqual(expr('{ $_ -gt 3 }'), {
    kind: 'ScriptBlock',
    params: null,
    body: [{ kind: 'Pipeline', elements: [{ kind: 'ExpressionElement', expression: bin('-gt', v('_'), num(3)) }] }],
    text: ' $_ -gt 3 ',
  });
  const block = expr('{ param($a, [int]$b = 2)\n $a * $b }') as { params: { params: { name: string; type: string | null }[] } };
  assert.deepEqual(
    block.params.params.map((p) => [p.name, p.type]),
    [['a', null], ['b', 'int']],
  );
});

test('prefix ++ and --', () => {
  assert.deepEqual(expr('++$i'), un('++', v('i')));
  assert.deepEqual(expr('--$i'), un('--', v('i')));
});
