// The .NET exception types PowerShell scripts catch (`catch [System.IO.IOException]`), their
// inheritance, and the exception object an error record carries (`$_.Exception`). Error records
// name their exception by the record's id when it has none of its own (PathNotFound is an
// ItemNotFoundException), as PowerShell's runtime and cmdlets raise them.

import { ConversionError } from './values.js';

const SMA = 'System.Management.Automation.';

/** A failed operation that .NET reports with a specific exception (1 / 0: DivideByZeroException). */
export class TypedConversionError extends ConversionError {
  constructor(
    message: string,
    /** Full name of the .NET exception type. */
    readonly exceptionType: string,
  ) {
    super(message);
  }

  /** As PowerShell raises it from an operator: a RuntimeException wrapping the .NET exception. */
  exception(): DotNetException {
    return new DotNetException(`${SMA}RuntimeException`, this.message, new DotNetException(this.exceptionType, this.message));
  }
}

/** Each known exception type (full name) and its base type; System.Exception is the root. */
const BASES: Record<string, string | null> = {
  'System.Exception': null,
  'System.SystemException': 'System.Exception',
  'System.ApplicationException': 'System.Exception',
  'System.ArithmeticException': 'System.SystemException',
  'System.DivideByZeroException': 'System.ArithmeticException',
  'System.OverflowException': 'System.ArithmeticException',
  'System.ArgumentException': 'System.SystemException',
  'System.ArgumentNullException': 'System.ArgumentException',
  'System.ArgumentOutOfRangeException': 'System.ArgumentException',
  'System.FormatException': 'System.SystemException',
  'System.IndexOutOfRangeException': 'System.SystemException',
  'System.InvalidCastException': 'System.SystemException',
  'System.InvalidOperationException': 'System.SystemException',
  'System.ObjectDisposedException': 'System.InvalidOperationException',
  'System.NotImplementedException': 'System.SystemException',
  'System.NotSupportedException': 'System.SystemException',
  'System.NullReferenceException': 'System.SystemException',
  'System.OutOfMemoryException': 'System.SystemException',
  'System.InsufficientExecutionStackException': 'System.SystemException',
  'System.TimeoutException': 'System.SystemException',
  'System.UnauthorizedAccessException': 'System.SystemException',
  'System.OperationCanceledException': 'System.SystemException',
  'System.Collections.Generic.KeyNotFoundException': 'System.SystemException',
  'System.IO.IOException': 'System.SystemException',
  'System.IO.FileNotFoundException': 'System.IO.IOException',
  'System.IO.DirectoryNotFoundException': 'System.IO.IOException',
  'System.IO.PathTooLongException': 'System.IO.IOException',
  'System.Text.RegularExpressions.RegexParseException': 'System.ArgumentException',
  [`${SMA}RuntimeException`]: 'System.SystemException',
  [`${SMA}ActionPreferenceStopException`]: `${SMA}RuntimeException`,
  [`${SMA}CommandNotFoundException`]: `${SMA}RuntimeException`,
  [`${SMA}ParameterBindingException`]: `${SMA}RuntimeException`,
  [`${SMA}ParameterBindingValidationException`]: `${SMA}ParameterBindingException`,
  [`${SMA}ParameterBindingArgumentTransformationException`]: `${SMA}ParameterBindingException`,
  [`${SMA}MethodException`]: `${SMA}RuntimeException`,
  [`${SMA}MethodInvocationException`]: `${SMA}MethodException`,
  [`${SMA}SessionStateException`]: `${SMA}RuntimeException`,
  [`${SMA}ItemNotFoundException`]: `${SMA}SessionStateException`,
  [`${SMA}DriveNotFoundException`]: `${SMA}SessionStateException`,
  [`${SMA}PipelineStoppedException`]: `${SMA}RuntimeException`,
  [`${SMA}ParseException`]: `${SMA}RuntimeException`,
  [`${SMA}MetadataException`]: `${SMA}RuntimeException`,
  [`${SMA}ValidationMetadataException`]: `${SMA}MetadataException`,
  [`${SMA}WildcardPatternException`]: `${SMA}RuntimeException`,
  [`${SMA}PSArgumentException`]: 'System.ArgumentException',
  [`${SMA}PSArgumentNullException`]: 'System.ArgumentNullException',
  [`${SMA}PSArgumentOutOfRangeException`]: 'System.ArgumentOutOfRangeException',
  [`${SMA}PSInvalidOperationException`]: 'System.InvalidOperationException',
  [`${SMA}PSInvalidCastException`]: 'System.InvalidCastException',
  [`${SMA}PSNotSupportedException`]: 'System.NotSupportedException',
  [`${SMA}PSNotImplementedException`]: 'System.NotImplementedException',
  [`${SMA}ScriptCallDepthException`]: 'System.SystemException',
};

/** Lower-cased names a script may write (`DivideByZeroException`, `System.DivideByZeroException`, `Management.Automation.RuntimeException`) → full name. */
const BY_NAME = new Map<string, string>();
for (const full of Object.keys(BASES)) {
  const parts = full.split('.');
  for (let i = 0; i < parts.length; i++) BY_NAME.set(parts.slice(i).join('.').toLowerCase(), full);
}

/** The full name of a known exception type written as `name`, or undefined. */
export function exceptionTypeNamed(name: string): string | undefined {
  return BY_NAME.get(name.toLowerCase().replace(/^\[|\]$/g, ''));
}

/** Whether `type` is `ancestor` or derives from it. */
export function derivesFrom(type: string, ancestor: string): boolean {
  for (let t: string | null | undefined = type; t; t = BASES[t]) if (t === ancestor) return true;
  return false;
}

/** `$_.Exception`: a .NET-like exception object. */
export class DotNetException {
  constructor(
    /** Full type name, e.g. `System.ArgumentException`. */
    readonly typeName: string,
    readonly Message: string,
    readonly InnerException: DotNetException | null = null,
  ) {}

  /** Whether it, or an exception it wraps, is of `type` (a full name) or a type derived from it. */
  isA(type: string): boolean {
    for (let e: DotNetException | null = this; e; e = e.InnerException) if (derivesFrom(e.typeName, type)) return true;
    return false;
  }

  /** `.GetType().Name` / `.FullName` */
  type(): { Name: string; FullName: string } {
    return { Name: this.typeName.slice(this.typeName.lastIndexOf('.') + 1), FullName: this.typeName };
  }

  toString(): string {
    return this.Message;
  }
}

/** `[ArgumentException]::new('message')` and `New-Object ArgumentException 'message'`: an exception of a known type. */
export function newException(type: string, args: readonly unknown[]): DotNetException {
  const full = exceptionTypeNamed(type) ?? type;
  const [message, inner] = args;
  const text = message === undefined || message === null ? defaultMessage(full) : String(message);
  return new DotNetException(full, text, inner instanceof DotNetException ? inner : null);
}

/** The messages .NET's own resources give the common exceptions made without one (System.Private.CoreLib Strings.resx). */
const DEFAULT_MESSAGES: Record<string, string> = {
  'System.FormatException': 'One of the identified items was in an invalid format.',
  'System.ArgumentException': 'Value does not fall within the expected range.',
  'System.ArgumentNullException': 'Value cannot be null.',
  'System.ArgumentOutOfRangeException': 'Specified argument was out of the range of valid values.',
  'System.InvalidOperationException': 'Operation is not valid due to the current state of the object.',
  'System.NotSupportedException': 'Specified method is not supported.',
  'System.NotImplementedException': 'The method or operation is not implemented.',
  'System.DivideByZeroException': 'Attempted to divide by zero.',
  'System.IndexOutOfRangeException': 'Index was outside the bounds of the array.',
  'System.NullReferenceException': 'Object reference not set to an instance of an object.',
  'System.InvalidCastException': 'Specified cast is not valid.',
  'System.TimeoutException': 'The operation has timed out.',
};

/** .NET's message for an exception made without one. */
function defaultMessage(type: string): string {
  return DEFAULT_MESSAGES[type] ?? `Exception of type '${type}' was thrown.`;
}

/** The exception type of a record raised without one, by its id (how PowerShell's runtime raises them). */
const BY_RECORD_ID: Record<string, string> = {
  CommandNotFound: `${SMA}CommandNotFoundException`,
  PathNotFound: `${SMA}ItemNotFoundException`,
  ItemNotFound: `${SMA}ItemNotFoundException`,
  NamedParameterNotFound: `${SMA}ParameterBindingException`,
  PositionalParameterNotFound: `${SMA}ParameterBindingException`,
  MissingArgument: `${SMA}ParameterBindingException`,
  MissingMandatoryParameter: `${SMA}ParameterBindingException`,
  AmbiguousParameter: `${SMA}ParameterBindingException`,
  AmbiguousParameterSet: `${SMA}ParameterBindingException`,
  ParameterAlreadyBound: `${SMA}ParameterBindingException`,
  InputObjectNotBound: `${SMA}ParameterBindingException`,
  ParameterArgumentTransformation: `${SMA}ParameterBindingArgumentTransformationException`,
  ParameterArgumentValidationError: `${SMA}ParameterBindingValidationException`,
  ParameterArgumentValidationErrorNullNotAllowed: `${SMA}ParameterBindingValidationException`,
  ParameterArgumentValidationErrorEmptyStringNotAllowed: `${SMA}ParameterBindingValidationException`,
  ParameterArgumentValidationErrorEmptyArrayNotAllowed: `${SMA}ParameterBindingValidationException`,
  InvalidCastConversion: `${SMA}PSInvalidCastException`,
  MethodInvocationFailed: `${SMA}MethodInvocationException`,
  PipelineStopped: `${SMA}PipelineStoppedException`,
  CallDepthOverflow: `${SMA}ScriptCallDepthException`,
  PermissionDenied: 'System.UnauthorizedAccessException',
  ParseError: `${SMA}ParseException`,
};

export function exceptionTypeForRecord(id: string): string {
  return BY_RECORD_ID[id] ?? `${SMA}RuntimeException`;
}
