// The runtime's one walk over wrapped errors: causes and aggregates, each error once.
import { describe, expect, it } from 'vitest';
import { errorChain, FatalRuntimeError, isFatal } from '../../../src/runtime/errors.ts';
import { isRetriable } from '../../../src/runtime/client/platformatic/offsets.ts';
import { errorIds } from '../../../src/runtime/client/platformatic/producer.ts';

describe('errorChain', () => {
  it('walks causes and aggregated errors breadth first, each once, through cycles', () => {
    const leaf = Object.assign(new Error('leaf'), { apiId: 'NOT_COORDINATOR' });
    const inner = new Error('inner', { cause: leaf });
    const aggregate = new AggregateError([inner, leaf], 'many');
    const top = new Error('top', { cause: aggregate });
    (leaf as { cause?: unknown }).cause = top; // a cycle
    expect([...errorChain(top)].map((e) => (e as Error).message)).toEqual(['top', 'many', 'inner', 'leaf']);
    expect(errorIds(top)).toEqual(new Set(['NOT_COORDINATOR']));
  });

  it('finds a FatalRuntimeError however deep, and only then', () => {
    expect(isFatal(new Error('a', { cause: new AggregateError([new Error('b'), new FatalRuntimeError('config')]) }))).toBe(true);
    expect(isFatal(new Error('a', { cause: new Error('b') }))).toBe(false);
    expect(isFatal(undefined)).toBe(false);
  });

  it('retries what the broker calls retriable, unless anything in the chain says it is not', () => {
    expect(isRetriable(new Error('x', { cause: { canRetry: true } }))).toBe(true);
    expect(isRetriable(new AggregateError([{ canRetry: true }, { canRetry: false }]))).toBe(false);
    expect(isRetriable(new Error('x', { cause: { code: 'PLT_KFK_NETWORK' } }))).toBe(true);
    expect(isRetriable(new Error('plain'))).toBe(false);
  });
});
