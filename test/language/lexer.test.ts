import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenize } from '../../src/language/lexer.js';

/** [type, image, startLine, startColumn, endLine, endColumn] of each token. */
function positions(source: string): [string, string, number, number, number, number][] {
  return tokenize(source, { file: 't.mcs', source }).tokens.map((t) => [t.tokenType.name, t.image, t.startLine!, t.startColumn!, t.endLine!, t.endColumn!]);
}

test('tokens carry lines and columns across \\r\\n, \\r and multi-line tokens', () => {
  assert.deepEqual(positions('$a = "x\r\ny"\r\n$b'), [
    ['Variable', '$a', 1, 1, 1, 2],
    ['Assign', '=', 1, 4, 1, 4],
    ['DoubleString', '"x\r\ny"', 1, 6, 2, 2],
    ['Newline', '\r\n', 2, 3, 2, 4],
    ['Variable', '$b', 3, 1, 3, 2],
  ]);
  assert.deepEqual(positions("@'\rab\r'@ <# c\n#> 1"), [
    ['HereSingle', "@'\rab\r'@", 1, 1, 3, 2],
    ['Number', '1', 4, 4, 4, 4],
  ]);
});

test('the first matching token in priority order wins, also for non-Latin text', () => {
  assert.deepEqual(
    positions('Get-Ünïcode -Name 日本 | % { $_.Größe }').map(([type, image]) => `${type}:${image}`),
    ['CommandName:Get-Ünïcode', 'Parameter:-Name', 'Bareword:日本', 'Pipe:|', 'CommandName:%', 'LCurly:{', 'Variable:$_', 'Dot:.', 'Identifier:Größe', 'RCurly:}'],
  );
});

test('a character no token accepts is reported where it is', () => {
  assert.throws(() => tokenize('$a = 1\n  \x01', { file: 't.mcs', source: '$a = 1\n  \x01' }), (e: Error & { span?: { startLine: number; startColumn: number } }) => {
    assert.equal(e.message, "Unexpected character '\x01'");
    assert.deepEqual([e.span?.startLine, e.span?.startColumn], [2, 3]);
    return true;
  });
});
