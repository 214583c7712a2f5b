// Variable and function scopes. PowerShell scoping is dynamic: a function's scope is a child of
// its caller's; reads walk up the chain, writes go to the current scope unless a scope is named.
import type { FunctionDefinition } from '../language/ast.js';
import { cast } from './types.js';

export type ScopeKind = 'global' | 'script' | 'function';

interface Variable {
  name: string;
  value: unknown;
  /** `[int]$x = …`: every value assigned later is converted to it. */
  type?: string;
  /** `$private:x`: visible only in the scope that set it, not in child scopes (about_Scopes). */
  private?: boolean;
  /** `[ValidateSet(…)]$x = …`: checks every value assigned (after conversion); throws when one fails. */
  check?: (value: unknown) => void;
}

export class Scope {
  private readonly variables = new Map<string, Variable>();
  private readonly functions = new Map<string, FunctionDefinition>();
  /** Set-StrictMode's version for this scope and its children (0: off); undefined: as the parent's. */
  private strictMode: number | undefined;

  /**
   * A transparent scope holds only the variables `define`d in it ($_, $PSItem for one script-block
   * run); every other write goes to its parent. That is how Where-Object / ForEach-Object / catch
   * blocks run "in the caller's scope" while interleaved pipeline stages each keep their own $_.
   */
  constructor(
    readonly kind: ScopeKind,
    readonly parent: Scope | null,
    private readonly transparent = false,
  ) {}

  child(kind: ScopeKind = 'function'): Scope {
    return new Scope(kind, this);
  }

  transparentChild(locals: Record<string, unknown>): Scope {
    const scope = new Scope(this.kind, this, true);
    for (const [name, value] of Object.entries(locals)) scope.define(name, value);
    return scope;
  }

  /** Creates or sets a variable in exactly this scope (even a transparent one). */
  define(name: string, value: unknown): void {
    this.variables.set(name.toLowerCase(), { name, value });
  }

  private lookup(name: string): Variable | undefined {
    const key = name.toLowerCase();
    // Private variables are seen up to the first real (non-transparent) scope, not past it.
    let own = true;
    for (let s: Scope | null = this; s; s = s.parent) {
      const v = s.variables.get(key);
      if (v && (own || !v.private)) return v;
      if (!s.transparent) own = false;
    }
    return undefined;
  }

  has(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /** The value; null for a variable that does not exist; undefined (AutomationNull) when that was assigned. */
  get(name: string): unknown {
    const v = this.lookup(name);
    return v ? v.value : null;
  }

  /**
   * Sets in this scope (PowerShell's default for assignment). With `type` (`[int]$x = …`) the value
   * is converted and the variable keeps the type; a typed variable converts every value it is given.
   * A failed conversion throws a ConversionError.
   */
  setLocal(name: string, value: unknown, type?: string, isPrivate = false, check?: Variable['check']): void {
    const key = name.toLowerCase();
    const existing = this.variables.get(key);
    if (!existing && this.transparent) {
      this.parent!.setLocal(name, value, type, isPrivate, check);
      return;
    }
    const declared = type ?? existing?.type;
    const converted = declared === undefined ? value : cast(declared, value);
    (check ?? existing?.check)?.(converted);
    if (existing) {
      existing.value = converted;
      if (type !== undefined) existing.type = type;
    } else this.variables.set(key, type === undefined ? { name, value: converted } : { name, value: converted, type });
    if (isPrivate) this.variables.get(key)!.private = true;
    if (check) this.variables.get(key)!.check = check;
  }

  removeLocal(name: string): void {
    this.variables.delete(name.toLowerCase());
  }

  /** Removes the variable from this scope or, with `searchParents`, from the nearest scope that has it. */
  remove(name: string, searchParents: boolean): boolean {
    const key = name.toLowerCase();
    for (let s: Scope | null = this; s; s = searchParents ? s.parent : null) {
      if (s.variables.delete(key)) return true;
    }
    return false;
  }

  /** The scope `levels` up (0: this one), counting only real (non-transparent) scopes; null past the global scope. */
  ancestor(levels: number): Scope | null {
    let s: Scope | null = this;
    while (s?.transparent) s = s.parent;
    for (let i = 0; i < levels && s; i++) {
      s = s.parent;
      while (s?.transparent) s = s.parent;
    }
    return s;
  }

  /** Whether this scope itself (not a parent) holds the variable. */
  hasLocal(name: string): boolean {
    return this.variables.has(name.toLowerCase());
  }

  /** The nearest enclosing scope of a kind (`script` falls back to global outside a script). */
  find(kind: 'global' | 'script'): Scope {
    let s: Scope = this;
    for (let cur: Scope | null = this; cur; cur = cur.parent) {
      if (cur.kind === kind && !cur.transparent) return cur;
      s = cur;
    }
    return s;
  }

  set(name: string, value: unknown, scope: 'global' | 'script' | 'local' | 'private' | null = null, type?: string, check?: Variable['check']): void {
    if (scope === 'global' || scope === 'script') this.find(scope).setLocal(name, value, type, false, check);
    else this.setLocal(name, value, type, scope === 'private', check);
  }

  /** Visible variables, innermost first, each name once. */
  list(): { name: string; value: unknown }[] {
    const seen = new Map<string, { name: string; value: unknown }>();
    for (let s: Scope | null = this; s; s = s.parent) {
      for (const [key, v] of s.variables) if (!seen.has(key)) seen.set(key, { name: v.name, value: v.value });
    }
    return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Set-StrictMode in this scope (a transparent scope's: in its parent's). */
  setStrictMode(version: number): void {
    if (this.transparent) this.parent!.setStrictMode(version);
    else this.strictMode = version;
  }

  /** The strict mode in effect here: the nearest scope's that set one, else 0. */
  strictVersion(): number {
    for (let s: Scope | null = this; s; s = s.parent) if (s.strictMode !== undefined) return s.strictMode;
    return 0;
  }

  defineFunction(definition: FunctionDefinition): void {
    if (this.transparent) {
      this.parent!.defineFunction(definition);
      return;
    }
    this.functions.set(definition.name.toLowerCase(), definition);
  }

  getFunction(name: string): FunctionDefinition | undefined {
    const key = name.toLowerCase();
    for (let s: Scope | null = this; s; s = s.parent) {
      const f = s.functions.get(key);
      if (f) return f;
    }
    return undefined;
  }

  listFunctions(): FunctionDefinition[] {
    const seen = new Map<string, FunctionDefinition>();
    for (let s: Scope | null = this; s; s = s.parent) for (const [k, f] of s.functions) if (!seen.has(k)) seen.set(k, f);
    return [...seen.values()];
  }
}
