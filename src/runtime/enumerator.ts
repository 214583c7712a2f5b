// `$foreach`, `$switch` and `$input`: enumerators as PowerShell exposes them. A script may call
// MoveNext() to consume the next item itself (e.g. to read a value after a flag); enumerating one
// (`foreach ($x in $input)`, `@($input)`, output) consumes what is left.

export class LoopEnumerator {
  private index = -1;

  constructor(private readonly items: readonly unknown[]) {}

  get Current(): unknown {
    return this.index >= 0 && this.index < this.items.length ? this.items[this.index] : null;
  }

  MoveNext(): boolean {
    if (this.index < this.items.length) this.index++;
    return this.index < this.items.length;
  }

  Reset(): void {
    this.index = -1;
  }

  /** The items not yet consumed, consuming them. */
  drain(): unknown[] {
    const rest = this.remaining();
    this.index = this.items.length;
    return rest;
  }

  /** The items not yet consumed. */
  remaining(): unknown[] {
    return this.items.slice(this.index + 1);
  }

  /** A method call from a script (`$foreach.MoveNext()`), by case-insensitive name; undefined if none. */
  call(method: string): { value: unknown } | undefined {
    switch (method.toLowerCase()) {
      case 'movenext':
        return { value: this.MoveNext() };
      case 'reset':
        this.Reset();
        return { value: undefined };
    }
    return undefined;
  }

  toString(): string {
    return 'System.Collections.IEnumerator';
  }
}
