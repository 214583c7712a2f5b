// Error records: the one shape every error takes, whatever raised it. A record has a stable id
// (`Id,Cmdlet` once a cmdlet is known), a category, the target object, a message and the source
// span that caused it. Terminating errors travel as RuntimeError exceptions; non-terminating ones
// are written to the error stream and the pipeline goes on.
import type { SourceSpan } from '../language/ast.js';
import { DotNetException, exceptionTypeForRecord } from './exceptions.js';

export type ErrorCategory =
  | 'NotSpecified'
  | 'InvalidArgument'
  | 'InvalidData'
  | 'InvalidOperation'
  | 'InvalidType'
  | 'ObjectNotFound'
  | 'ResourceExists'
  | 'ResourceUnavailable'
  | 'PermissionDenied'
  | 'OperationStopped'
  | 'OperationTimeout'
  | 'ParserError'
  | 'ReadError'
  | 'WriteError'
  | 'ConnectionError'
  | 'LimitsExceeded'
  | 'NotImplemented';

export interface ErrorInit {
  /** Stable identifier in PascalCase, e.g. `ImageNotFound`. The cmdlet name is appended for you. */
  id: string;
  message: string;
  category?: ErrorCategory;
  target?: unknown;
  /** One line telling the user what to do about it. */
  hint?: string;
  span?: SourceSpan | null;
  cause?: unknown;
  /** The .NET exception it stands for: an exception object, or a type's full name; by default one fitting its id. */
  exception?: DotNetException | string;
}

export class ErrorRecord {
  readonly id: string;
  readonly category: ErrorCategory;
  readonly message: string;
  readonly targetObject: unknown;
  readonly hint: string | null;
  /** The command that raised it (`Set-Foo`), or null for language errors. */
  command: string | null;
  span: SourceSpan | null;
  readonly cause: unknown;
  private readonly exceptionInit: DotNetException | string | undefined;
  private exceptionObject: DotNetException | undefined;

  constructor(init: ErrorInit & { command?: string | null }) {
    this.id = init.id;
    this.category = init.category ?? 'NotSpecified';
    this.message = init.message;
    this.targetObject = init.target ?? null;
    this.hint = init.hint ?? null;
    this.command = init.command ?? null;
    this.span = init.span ?? null;
    this.cause = init.cause;
    this.exceptionInit = init.exception;
  }

  /** `Id,Cmdlet` as PowerShell's FullyQualifiedErrorId. */
  get fullyQualifiedId(): string {
    return this.command ? `${this.id},${this.command}` : this.id;
  }

  /** `file:line:col`, or null when the error has no source location. */
  get location(): string | null {
    const s = this.span;
    return s ? `${s.file}:${s.startLine}:${s.startColumn}` : null;
  }

  /** PowerShell's name for the id, as scripts read it (`$_.FullyQualifiedErrorId`). */
  get fullyQualifiedErrorId(): string {
    return this.fullyQualifiedId;
  }

  /** `$_.Exception` in catch blocks: `.Message`, `.GetType().Name`, `.InnerException`. */
  get exception(): DotNetException {
    if (this.exceptionObject === undefined) {
      const init = this.exceptionInit;
      this.exceptionObject = init instanceof DotNetException ? init : new DotNetException(init ?? exceptionTypeForRecord(this.id), this.message);
    }
    return this.exceptionObject;
  }

  /** `$_.CategoryInfo`, as PowerShell shows it: `ObjectNotFound: (x:String) [Get-Item], ItemNotFoundException`. */
  get categoryInfo(): CategoryInfo {
    const target = this.targetObject;
    const name = target === null || target === undefined ? '' : String(target);
    const type = typeof target === 'string' ? 'String' : '';
    return new CategoryInfo(this.category, this.command ?? '', this.exception.type().Name, name, type);
  }

  /** The properties shown by `Format-List *`, JSON output and `Get-Error`. */
  toJSON(): Record<string, unknown> {
    const s = this.span;
    return {
      ErrorId: this.fullyQualifiedId,
      Category: this.category,
      Message: this.message,
      TargetObject: this.targetObject,
      Hint: this.hint,
      Location: s ? { File: s.file, Line: s.startLine, Column: s.startColumn, EndLine: s.endLine, EndColumn: s.endColumn } : null,
    };
  }

  toString(): string {
    return this.message;
  }
}

export class CategoryInfo {
  constructor(
    readonly Category: ErrorCategory,
    readonly Activity: string,
    readonly Reason: string,
    readonly TargetName: string,
    readonly TargetType: string,
  ) {}

  toString(): string {
    return `${this.Category}: (${this.TargetName}:${this.TargetType}) [${this.Activity}], ${this.Reason}`;
  }
}

/** A terminating error. `scriptTerminating` errors (`throw`, `-ErrorAction Stop`) end the script
 * unless caught; statement-terminating ones end only the statement that raised them. */
export class RuntimeError extends Error {
  constructor(
    readonly record: ErrorRecord,
    readonly scriptTerminating = false,
  ) {
    super(record.message);
  }
}

export function runtimeError(init: ErrorInit & { command?: string | null }, scriptTerminating = false): RuntimeError {
  return new RuntimeError(new ErrorRecord(init), scriptTerminating);
}

/**
 * JavaScript's RangeError (a string or array too large, a structure nested past the stack) as the
 * catchable error PowerShell raises for exhausted resources.
 */
export function resourceError(e: RangeError, span: SourceSpan | null, command: string | null = null): RuntimeError {
  const stack = /call stack/i.test(e.message);
  const message = stack
    ? 'Insufficient stack to continue executing the program safely: the data or the code is nested too deeply.'
    : `The operation needs more memory than is allowed (${e.message}).`;
  const exception = stack ? 'System.InsufficientExecutionStackException' : 'System.OutOfMemoryException';
  return runtimeError({ id: stack ? 'InsufficientExecutionStack' : 'OutOfMemory', category: 'LimitsExceeded', message, span, command, exception, cause: e });
}

/** Raised when the pipeline's AbortSignal fires (Ctrl+C): stops the pipeline, not the shell. */
export class PipelineStoppedError extends Error {
  constructor() {
    super('The pipeline has been stopped.');
  }
}

// Control flow travels as exceptions through the (generator-based) interpreter.
/** `break` / `continue`, with the label they name (`break outer`), lower-cased, or null. */
export class BreakSignal {
  constructor(readonly label: string | null = null) {}
}
export class ContinueSignal {
  constructor(readonly label: string | null = null) {}
}
export class ReturnSignal {}
/** Thrown by `ctx.stopUpstream()`: the runtime closes the upstream stages and runs end blocks. */
export class StopUpstreamSignal {}
export class ExitSignal {
  constructor(readonly code: number) {}
}
