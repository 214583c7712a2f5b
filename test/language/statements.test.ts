import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FunctionDefinition, Script } from '../../src/language/ast.js';
import { parseScript } from '../../src/language/index.js';
import { arr, bare, bin, body, cmd, exprPipe, num, param, pipe, pos, str, strip, v } from './helpers.js';

test('statements are separated by newlines or ;, comments are skipped', () => {
  assert.deepEqual(body('1; 2\n3 # three\n<# block\n comment #> 4'), [exprPipe(num(1)), exprPipe(num(2)), exprPipe(num(3)), exprPipe(num(4))]);
  assert.deepEqual(body('\n\n;;\n'), []);
});

test('backtick line continuation, and lines continued after | or an operator', () => {
  assert.deepEqual(body('Get-Foo `\n  -Name x'), [pipe(cmd('Get-Foo', param('Name'), pos(bare('x'))))]);
  assert.deepEqual(body('Get-Foo |\n  Get-Bar'), [pipe(cmd('Get-Foo'), cmd('Get-Bar'))]);
  assert.deepEqual(body('1 +\n 2'), [exprPipe(bin('+', num(1), num(2)))]);
  assert.deepEqual(body('$x = (\n 1 + 2\n)'), [
    { kind: 'Assignment', target: v('x'), operator: '=', value: exprPipe({ kind: 'Paren', pipeline: exprPipe(bin('+', num(1), num(2))) }) },
  ]);
});

test('commands: named, -Name:value, switches, positional, barewords, splatting', () => {
  assert.deepEqual(body('Get-Thing -Name foo -Count:3 -Force -Enabled:$false bar @params'), [
    pipe(cmd('Get-Thing', param('Name'), pos(bare('foo')), param('Count', num(3)), param('Force'), param('Enabled', v('false')), pos(bare('bar')), { kind: 'SplatArgument', variable: 'params' })),
  ]);
});

test('command mode: -5 is a number, words and paths are strings, -eq is a parameter', () => {
  assert.deepEqual(body('Get-Help Where-Object'), [pipe(cmd('Get-Help', pos(bare('Where-Object'))))]);
  assert.deepEqual(body('Set-Value -5 4MB 1.2.3 10abc'), [pipe(cmd('Set-Value', pos(num(-5, '-5')), pos(num(4194304, '4MB')), pos(bare('1.2.3')), pos(bare('10abc'))))]);
  assert.deepEqual(body('./deploy.mcs C:\\images\\x.wim *.txt ../up'), [pipe(cmd('./deploy.mcs', pos(bare('C:\\images\\x.wim')), pos(bare('*.txt')), pos(bare('../up'))))]);
  assert.deepEqual(body("Where-Object Size -gt 3"), [pipe(cmd('Where-Object', pos(bare('Size')), param('gt'), pos(num(3))))]);
  assert.deepEqual(body('Write-Output a,b, c'), [pipe(cmd('Write-Output', pos(arr(bare('a'), bare('b'), bare('c')))))]);
  assert.deepEqual(body('Write-Output if else'), [pipe(cmd('Write-Output', pos(bare('if')), pos(bare('else'))))]);
});

test('command arguments can be expressions: variables with members, (…), $(…), @(…), @{…}, { }', () => {
  assert.deepEqual(body('Write-Output $x.Name $a[0] (1 + 2) "s $y"'), [
    pipe(
      cmd(
        'Write-Output',
        pos({ kind: 'Member', object: v('x'), member: 'Name', isStatic: false }),
        pos({ kind: 'Index', object: v('a'), index: num(0) }),
        pos({ kind: 'Paren', pipeline: exprPipe(bin('+', num(1), num(2))) }),
        pos({ kind: 'ExpandableString', here: false, parts: ['s ', v('y')] }),
      ),
    ),
  ]);
  // Within parentheses we are back in expression mode.
  assert.deepEqual(body('Get-Foo ($a -eq 1) -Bar'), [pipe(cmd('Get-Foo', pos({ kind: 'Paren', pipeline: exprPipe(bin('-eq', v('a'), num(1))) }), param('Bar')))]);
  // A space ends the argument: `$x .Name` is two arguments.
  assert.deepEqual(body('Write-Output $x .Name'), [pipe(cmd('Write-Output', pos(v('x')), pos(bare('.Name'))))]);
});

test('& invokes a command held in a variable or string', () => {
  assert.deepEqual(body('& $cmd -x 1'), [pipe({ kind: 'Command', name: v('cmd'), invoked: true, dotSource: false, args: [param('x'), pos(num(1))] })]);
  assert.deepEqual(body("& 'Get-Foo'"), [pipe({ kind: 'Command', name: str('Get-Foo'), invoked: true, dotSource: false, args: [] })]);
  assert.deepEqual(body('& Get-Foo 1'), [pipe({ kind: 'Command', name: 'Get-Foo', invoked: true, dotSource: false, args: [pos(num(1))] })]);
  assert.deepEqual(body('. ./common.mcs'), [pipe({ kind: 'Command', name: './common.mcs', invoked: true, dotSource: true, args: [] })]);
  // A dot touching a value is member access, not dot-sourcing.
  assert.equal((body('. { 1 }')[0] as { kind: string }).kind, 'Pipeline');
});

test('pipelines: an expression may start one; ForEach-Object / % with script blocks', () => {
  const [p] = body('1..10 | Where-Object { $_ % 2 -eq 0 } | % { $_ * 2 } | Measure-Object -Sum') as { elements: { kind: string; name?: string }[] }[];
  assert.deepEqual(
    p!.elements.map((e) => e.name ?? e.kind),
    ['ExpressionElement', 'Where-Object', '%', 'Measure-Object'],
  );
});

test('assignments with every operator, to variables, members and elements', () => {
  for (const op of ['=', '+=', '-=', '*=', '/=', '%=']) {
    assert.deepEqual(body(`$x ${op} 1`), [{ kind: 'Assignment', target: v('x'), operator: op, value: exprPipe(num(1)) }], op);
  }
  assert.deepEqual(body('$a.b = 1; $a[0] = 2')[1], { kind: 'Assignment', target: { kind: 'Index', object: v('a'), index: num(0) }, operator: '=', value: exprPipe(num(2)) });
  assert.deepEqual(body('$x = Get-Foo | Get-Bar'), [{ kind: 'Assignment', target: v('x'), operator: '=', value: pipe(cmd('Get-Foo'), cmd('Get-Bar')) }]);
  assert.deepEqual(body('$x = $y = 2'), [{ kind: 'Assignment', target: v('x'), operator: '=', value: { kind: 'Assignment', target: v('y'), operator: '=', value: exprPipe(num(2)) } }]);
});

test('$i++ and $i-- as statements become += / -= 1', () => {
  assert.deepEqual(body('$i++'), [{ kind: 'Assignment', target: v('i'), operator: '+=', value: exprPipe(num(1)) }]);
  assert.deepEqual(body('$o.n--'), [{ kind: 'Assignment', target: { kind: 'Member', object: v('o'), member: 'n', isStatic: false }, operator: '-=', value: exprPipe(num(1)) }]);
});

test('&& and || chain pipelines left-associatively', () => {
  assert.deepEqual(body('a && b || c'), [
    { kind: 'PipelineChain', left: { kind: 'PipelineChain', left: pipe(cmd('a')), operator: '&&', right: pipe(cmd('b')) }, operator: '||', right: pipe(cmd('c')) },
  ]);
});

test('if / elseif / else, keywords case-insensitive, braces on their own lines', () => {
  const expected = {
    kind: 'If',
    clauses: [
      { condition: exprPipe(bin('-eq', v('x'), num(1))), body: { kind: 'Block', statements: [exprPipe(str('a'))] } },
      { condition: exprPipe(bin('-eq', v('x'), num(2))), body: { kind: 'Block', statements: [exprPipe(str('b'))] } },
    ],
    elseBody: { kind: 'Block', statements: [exprPipe(str('c'))] },
  };
  assert.deepEqual(body("if ($x -eq 1) { 'a' } elseif ($x -eq 2) { 'b' } else { 'c' }"), [expected]);
  assert.deepEqual(body("IF ($x -eq 1)\n{\n 'a'\n}\nElseIf ($x -eq 2) { 'b' }\nELSE\n{ 'c' }"), [expected]);
  assert.deepEqual(body('if (Test-Path x) { }')[0], {
    kind: 'If',
    clauses: [{ condition: pipe(cmd('Test-Path', pos(bare('x')))), body: { kind: 'Block', statements: [] } }],
    elseBody: null,
  });
});

test('foreach, while, break, continue', () => {
  assert.deepEqual(body('ForEach ($n in 1..3) { if ($n -eq 2) { continue }; break }'), [
    {
      kind: 'Foreach',
      label: null,
      variable: 'n',
      iterable: exprPipe(bin('..', num(1), num(3))),
      body: {
        kind: 'Block',
        statements: [
          { kind: 'If', clauses: [{ condition: exprPipe(bin('-eq', v('n'), num(2))), body: { kind: 'Block', statements: [{ kind: 'Continue', label: null }] } }], elseBody: null },
          { kind: 'Break', label: null },
        ],
      },
    },
  ]);
  assert.deepEqual((body('foreach ($f in Get-ChildItem -Recurse) { }')[0] as { iterable: unknown }).iterable, pipe(cmd('Get-ChildItem', param('Recurse'))));
  assert.deepEqual(body('while ($i -lt 3) { $i += 1 }'), [
    { kind: 'While', label: null, condition: exprPipe(bin('-lt', v('i'), num(3))), body: { kind: 'Block', statements: [{ kind: 'Assignment', target: v('i'), operator: '+=', value: exprPipe(num(1)) }] } },
  ]);
  // `ForEach-Object` is a command, not the keyword.
  assert.deepEqual(body('ForEach-Object { }'), [pipe(cmd('ForEach-Object', pos({ kind: 'ScriptBlock', params: null, body: [], text: ' ' })))]);
});

test('functions: param() in the body, or a parameter list after the name', () => {
  const [withBlock] = parseScript('function Get-Thing {\n  param([Parameter(Mandatory)][string]$Name, [int]$Count = 3)\n  "$Name"\n}').body as FunctionDefinition[];
  assert.equal(withBlock!.kind, 'FunctionDefinition');
  assert.equal(withBlock!.name, 'Get-Thing');
  assert.deepEqual(
    withBlock!.params!.params.map((p) => [p.name, p.type, strip(p.defaultValue)]),
    [['Name', 'string', null], ['Count', 'int', num(3)]],
  );
  assert.deepEqual(strip(withBlock!.params!.params[0]!.attributes), [{ kind: 'Attribute', name: 'Parameter', positional: [], named: [{ name: 'Mandatory', value: null }] }]);
  assert.equal(withBlock!.body.params, withBlock!.params);

  const [withList] = parseScript('function add($a, $b = 1)\n{\n  return $a + $b\n}').body as FunctionDefinition[];
  assert.deepEqual(withList!.params!.params.map((p) => p.name), ['a', 'b']);
  assert.deepEqual(strip(withList!.body.body), [{ kind: 'Return', value: exprPipe(bin('+', v('a'), v('b'))) }]);
});

test('return, exit, throw with and without values', () => {
  assert.deepEqual(body('return'), [{ kind: 'Return', value: null }]);
  assert.deepEqual(body('return Get-Foo'), [{ kind: 'Return', value: pipe(cmd('Get-Foo')) }]);
  assert.deepEqual(body('exit 3'), [{ kind: 'Exit', code: num(3) }]);
  assert.deepEqual(body('exit'), [{ kind: 'Exit', code: null }]);
  assert.deepEqual(body("throw 'bad'"), [{ kind: 'Throw', value: exprPipe(str('bad')) }]);
  assert.deepEqual(body('throw'), [{ kind: 'Throw', value: null }]);
});

test('try / catch [types] / finally', () => {
  assert.deepEqual(body("try { 1 } catch [System.IO.IOException], [TimeoutException] { 2 }\ncatch { 3 }\nfinally { 4 }"), [
    {
      kind: 'Try',
      body: { kind: 'Block', statements: [exprPipe(num(1))] },
      catches: [
        { types: ['System.IO.IOException', 'TimeoutException'], body: { kind: 'Block', statements: [exprPipe(num(2))] } },
        { types: [], body: { kind: 'Block', statements: [exprPipe(num(3))] } },
      ],
      finallyBody: { kind: 'Block', statements: [exprPipe(num(4))] },
    },
  ]);
  assert.deepEqual(body('try { } finally { }'), [{ kind: 'Try', body: { kind: 'Block', statements: [] }, catches: [], finallyBody: { kind: 'Block', statements: [] } }]);
});

test('a script may start with attributes and param()', () => {
  const script: Script = parseScript(
    "# deploy\n[CmdletBinding()]\nparam(\n  [Parameter(Mandatory = $true, Position = 0)]\n  [ValidateSet('a', 'b')]\n  [string]$Mode,\n  [ValidateRange(1, 10)][int]$Count = 2,\n  [switch]$Force\n)\nWrite-Output $Mode",
    'deploy.mcs',
  );
  assert.deepEqual(
    script.params!.params.map((p) => [p.name, p.type, p.attributes.map((a) => a.name)]),
    [['Mode', 'string', ['Parameter', 'ValidateSet']], ['Count', 'int', ['ValidateRange']], ['Force', 'switch', []]],
  );
  assert.deepEqual(strip(script.params!.params[0]!.attributes[0]), {
    kind: 'Attribute',
    name: 'Parameter',
    positional: [],
    named: [{ name: 'Mandatory', value: v('true') }, { name: 'Position', value: num(0) }],
  });
  assert.deepEqual(strip(script.params!.params[0]!.attributes[1]!.positional), [str('a'), str('b')]);
  assert.equal(script.body.length, 1);
  assert.equal(script.source.startsWith('# deploy'), true);
});

test('spans: file, 1-based lines and columns, end-exclusive offsets', () => {
  const script = parseScript('$a = 1\n  Get-Foo -Name x', 'spans.mcs');
  const command = (script.body[1] as { elements: { span: unknown; args: { span: unknown }[] }[] }).elements[0]!;
  assert.deepEqual(command.span, { file: 'spans.mcs', startOffset: 9, endOffset: 24, startLine: 2, startColumn: 3, endLine: 2, endColumn: 17 });
  assert.deepEqual(command.args[0]!.span, { file: 'spans.mcs', startOffset: 17, endOffset: 22, startLine: 2, startColumn: 11, endLine: 2, endColumn: 15 });
  // A variable inside a string points at its own text.
  const str = parseScript('"x $(1 +\n $y)"').body[0] as { elements: { expression: { parts: { statements: { elements: { expression: { right: { span: { startLine: number; startColumn: number } } } }[] }[] }[] } }[] };
  const y = str.elements[0]!.expression.parts[1]!.statements[0]!.elements[0]!.expression.right;
  assert.deepEqual([y.span.startLine, y.span.startColumn], [2, 2]);
});
