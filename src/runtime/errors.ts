// Errors of the runtime that decide what happens next.

/** No restart can fix it (configuration or topology): the instance stops and reports it. */
export class FatalRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FatalRuntimeError';
  }
}
