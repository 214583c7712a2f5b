// Errors the engine raises for bad input or impossible requests. The shell maps them to error
// records (`Id,Cmdlet`), so `id` is stable and `message` says what was wrong and what is allowed.

export type EngineErrorCategory =
  | 'InvalidArgument'
  | 'ObjectNotFound'
  | 'ResourceExists'
  | 'InvalidOperation'
  | 'ResourceUnavailable';

export class EngineError extends Error {
  constructor(
    readonly id: string,
    readonly category: EngineErrorCategory,
    message: string,
    readonly target?: unknown,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}
