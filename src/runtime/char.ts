// System.Char: what `[char]65`, `[char]'Z'` and indexing a string (`'abc'[0]`) give. A character
// prints and compares as one-character text, converts to its code (`[int][char]'a'` is 97), joins
// text under `+` (`[char]'a' + 'b'` is 'ab'), and counts as its code under the other operators.
import { DOTNET_TYPE, NO_METHOD, type MethodHost } from './dotnet.js';
import { ConversionError, toStr } from './values.js';

export class Char implements MethodHost {
  // Private, so that the formatter shows the character, not a table of fields.
  readonly #code: number;

  constructor(code: number) {
    this.#code = code;
  }

  /** `[char]value`: a number is a code, text must be one character. */
  static from(value: unknown): Char {
    if (value instanceof Char) return value;
    if (typeof value === 'string') {
      if (value.length !== 1) throw new ConversionError(`Cannot convert value "${value}" to type "System.Char". Error: "String must be exactly one character long."`);
      return new Char(value.charCodeAt(0));
    }
    const code = Number(value ?? 0);
    if (!Number.isInteger(code) || code < 0 || code > 0xffff) throw new ConversionError(`Cannot convert value "${toStr(value)}" to type "System.Char". Error: "Value was either too large or too small for a character."`);
    return new Char(code);
  }

  get [DOTNET_TYPE](): string {
    return 'System.Char';
  }

  /** The UTF-16 code, so `Number(c)` is the code. */
  valueOf(): number {
    return this.#code;
  }

  toString(): string {
    return String.fromCharCode(this.#code);
  }

  invokeMethod(lower: string, args: unknown[]): unknown {
    if (lower === 'equals') return args[0] instanceof Char && args[0].#code === this.#code;
    if (lower === 'compareto') return Math.sign(this.#code - Char.from(args[0]).#code);
    if (lower === 'gethashcode') return this.#code;
    return NO_METHOD;
  }
}
