// A script block value `{ … }`: its AST and the scope it was written in (where Where-Object and
// ForEach-Object run it, so assignments inside them are visible to the caller, as in PowerShell).
import type { ScriptBlockExpression } from '../language/ast.js';
import type { Scope } from './scope.js';

export class ScriptBlock {
  constructor(
    readonly node: ScriptBlockExpression,
    readonly scope: Scope,
  ) {}

  toString(): string {
    return this.node.text;
  }

  toJSON(): string {
    return this.node.text;
  }
}
