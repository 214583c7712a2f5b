import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIncomplete, parseScript } from '../../src/language/index.js';
import { AstBuilder } from '../../src/language/build.js';
import { McshellParser } from '../../src/language/parser.js';
import { syntaxError } from './helpers.js';

/** [line, column, message, expected] of the error for `source`. */
function where(source: string): [number, number, string, string[]] {
  const e = syntaxError(source);
  return [e.span.startLine, e.span.startColumn, e.message, e.expected];
}

test('an error on line 7 is reported on line 7, with file, caret and expectation', () => {
  const source = ['# setup', '$a = 1', '$b = 2', '', 'Write-Output $a', 'if ($a) { "ok" }', '$c = 1 +* 3', 'Write-Output done'].join('\n');
  const e = syntaxError(source, 'deploy.mcs');
  assert.equal(e.span.file, 'deploy.mcs');
  assert.equal(e.span.startLine, 7);
  assert.equal(e.span.startColumn, 9);
  assert.equal(e.message, "Unexpected token '*'; expected an expression");
  assert.deepEqual(e.expected, ['an expression']);
  assert.equal(e.format(), "deploy.mcs:7:9: Unexpected token '*'; expected an expression\n$c = 1 +* 3\n        ^");
});

test('carets span the offending token, and tabs are kept for alignment', () => {
  const e = syntaxError('\tforeach ($x of $y) { }');
  assert.equal(e.format(), "test.mcs:1:14: Unexpected token 'of'; expected 'in'\n\tforeach ($x of $y) { }\n\t            ^^");
});

test('missing closing brackets point at the unclosed opener', () => {
  assert.deepEqual(where('if ($x) {\n  1\n'), [1, 9, "Missing closing '}' in statement block", ["'}'"]]);
  assert.deepEqual(where('$h = @{ a = 1'), [1, 6, "Missing closing '}' in hash literal", ["'}'"]]);
  assert.deepEqual(where('$x = (1 + 2'), [1, 6, "Missing closing ')' in expression", ["')'"]]);
  assert.deepEqual(where('$s.Substring(1,'), [1, 13, "Missing closing ')' in the argument list", ["')'"]]);
  assert.deepEqual(where('Write-Output @(1'), [1, 14, "Missing closing ')' in subexpression", ["')'"]]);
  assert.deepEqual(where('$a[0'), [1, 3, "Missing closing ']'", ["']'"]]);
  assert.equal(syntaxError('{ 1').incomplete, true);
});

test('unexpected tokens say what was expected', () => {
  assert.deepEqual(where('1 2'), [1, 3, "Unexpected token '2' in expression or statement", ["';' or a newline"]]);
  assert.deepEqual(where('{ 1 2 }'), [1, 5, "Unexpected token '2' in expression or statement", ["';' or a newline", "'}'"]]);
  assert.deepEqual(where('$x = (1 + )'), [1, 11, "Unexpected token ')'; expected an expression", ['an expression']]);
  assert.deepEqual(where('Get-Foo | $x'), [1, 11, "Unexpected token '$x'; expected a command", ['a command']]);
  assert.deepEqual(where('if ($x) { } else ($y)'), [1, 18, "Unexpected token '('; expected '{'", ["'{'"]]);
  assert.deepEqual(where('$a -foo $b'), [1, 4, "Unexpected token '-foo' in expression or statement", ["';' or a newline"]]);
  assert.deepEqual(where('function f { param($a $b) }'), [1, 23, "Unexpected token '$b'; expected ')'", ["')'"]]);
  assert.equal(syntaxError('1 2').incomplete, false);
});

test('unfinished input at the end says what was expected', () => {
  assert.deepEqual(where('$x ='), [1, 5, 'Unexpected end of input; expected an expression', ['an expression']]);
  assert.deepEqual(where('Get-Foo |'), [1, 10, 'Unexpected end of input; expected a command', ['a command']]);
});

test('unterminated strings, here-strings and comments', () => {
  assert.deepEqual(where('$a = 1\n$b = "abc'), [2, 6, 'The string is missing the terminator: "', []]);
  assert.deepEqual(where("'abc"), [1, 1, "The string is missing the terminator: '", []]);
  assert.deepEqual(where('$t = @"\nabc'), [1, 6, "The here-string is missing its terminator: '\"@' at the start of a line", []]);
  assert.deepEqual(where('<# never closed'), [1, 1, "Missing end of comment: '#>'", []]);
});

test('semantic checks: try without catch/finally, bad assignment target', () => {
  assert.deepEqual(where('\ntry { }'), [2, 1, 'The try statement is missing its catch or finally block', ["'catch'", "'finally'"]]);
  assert.equal(where('1 = 2')[2], 'The assignment expression is not valid: the left side must be a variable, a property or an array element');
});

test('errors inside $( ) in a string point into the string', () => {
  assert.deepEqual(where('$a = 1\n"value: $(1 +* 2)"').slice(0, 3), [2, 14, "Unexpected token '*'; expected an expression"]);
});

test('a lexing error names the character', () => {
  assert.deepEqual(where('$x = 1 ^ 2'), [1, 8, "Unexpected character '^'", []]);
});

test('isIncomplete: unfinished constructs continue on the next line', () => {
  for (const source of ['if ($x) {', 'Get-Foo |', 'Get-Foo `', 'Get-Foo `\n', '$x = (1 +', '@(', '"abc', "@'\nabc", 'function f {', '$x =', 'foreach ($a in $b)', '<# comment']) {
    assert.equal(isIncomplete(source), true, JSON.stringify(source));
  }
  for (const source of ['', 'Get-Foo', 'if ($x) { 1 }', '1 2', '$x = )', '"done"', "@'\nabc\n'@"]) {
    assert.equal(isIncomplete(source), false, JSON.stringify(source));
  }
});

test('nothing is returned for a broken script', () => {
  assert.throws(() => parseScript('Write-Output 1\nWrite-Output (2'), { name: 'ScriptSyntaxError' });
});

test('Chevrotain grammar validations pass (production skips them for start-up time)', () => {
  const parser = new McshellParser(false);
  // The builder has a method for every grammar rule.
  const missing = Object.keys(parser.getGAstProductions()).filter((rule) => typeof (AstBuilder.prototype as unknown as Record<string, unknown>)[rule] !== 'function');
  assert.deepEqual(missing, []);
});

test('long scripts (parsed in slices of statements) keep every statement and exact error lines', () => {
  const lines = Array.from({ length: 3000 }, (_, i) => (i % 2 ? `$total = $total + ${i}` : `if ($total -gt ${i}) {\n  Write-Output "at $i"\n}`));
  assert.equal(parseScript(lines.join('\n')).body.length, 3000);
  const broken = [...lines.slice(0, 2001), '$x = 1 +* 2', ...lines.slice(2001)].join('\n');
  const line = lines.slice(0, 2001).join('\n').split('\n').length + 1;
  assert.deepEqual(where(broken).slice(0, 3), [line, 9, "Unexpected token '*'; expected an expression"]);
  assert.deepEqual(where(`${lines.join('\n')}\nif ($x) {`).slice(0, 3), [lines.join('\n').split('\n').length + 1, 9, "Missing closing '}' in statement block"]);
});
