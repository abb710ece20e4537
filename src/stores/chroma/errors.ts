import { DocflowError } from '../../errors/index.js';

/**
 * Turn what the chromadb client threw into a DocflowError. Matched by `name`, which survives a second
 * copy of the client library: unreachable, overloaded or failing servers are ERR_STORE_UNAVAILABLE
 * (retryable), refused credentials ERR_STORE_UNAVAILABLE (not retryable), a rejected request
 * ERR_STORE_QUERY. `what` says what was being done, `target` is the server address.
 */
export function toChromaError(err: unknown, what: string, target: string): DocflowError {
  if (err instanceof DocflowError) return err;
  const name = err instanceof Error ? err.name : '';
  const message = err instanceof Error ? err.message : String(err);
  switch (name) {
    case 'ChromaConnectionError':
      return new DocflowError('ERR_STORE_UNAVAILABLE', `Chroma at ${target} is unreachable (${what}): is the server running?`, { cause: err });
    case 'ChromaServerError':
    case 'ChromaRateLimitError':
      return new DocflowError('ERR_STORE_UNAVAILABLE', `Chroma at ${target} failed (${what}): ${message}`, { cause: err });
    case 'ChromaUnauthorizedError':
    case 'ChromaForbiddenError':
      return new DocflowError('ERR_STORE_UNAVAILABLE', `Chroma at ${target} refused access (${what}): ${message}`, { cause: err, retryable: false });
    default:
      return new DocflowError('ERR_STORE_QUERY', `Chroma at ${target} rejected the ${what}: ${message}`, { cause: err });
  }
}

/** True when the client reports a missing collection (or other resource). */
export function isNotFound(err: unknown): boolean {
  return err instanceof Error && err.name === 'ChromaNotFoundError';
}
