import { DocflowError } from '../errors/index.js';
import { excerpt } from './http-response.js';
import { retryAfterMs } from './retry-after.js';
import type { Attempt } from './http-request.js';

/** What to do about one failed attempt. */
export interface Verdict {
  /** The error to throw if no retry is left (or allowed). */
  error: DocflowError;
  retry: boolean;
  /** The server is overloaded (429, 503): the concurrency limit should drop. */
  congested: boolean;
  /** The server's own `Retry-After`, ms, capped; otherwise the caller backs off. */
  delayMs: number | undefined;
}

/** What `judge` needs to word its errors. */
export interface FailureContext {
  /** The endpoint as it may be shown (no credentials, no query). */
  where: string;
  timeoutMs: number;
  retryMaxDelayMs: number;
  /** Removes secrets (the API key) from text a server sent back. */
  scrub(text: string): string;
}

/**
 * Sort a failed attempt: 429 → `ERR_EMBED_RATE_LIMITED`, retried after `Retry-After`; 503 → retried
 * after `Retry-After` or backoff, and also congestion; 408, other 5xx, timeouts and network errors →
 * `ERR_EMBED_PROVIDER`, retried with backoff; 401/403 → `ERR_EMBED_AUTH`; any other status →
 * `ERR_EMBED_PROVIDER`, not retryable (the same request would be refused again).
 */
export function judge(a: Exclude<Attempt, { kind: 'ok' }>, ctx: FailureContext): Verdict {
  if (a.kind === 'network') {
    const cause = a.error instanceof Error ? (a.error.cause instanceof Error ? a.error.cause.message : a.error.message) : String(a.error);
    const message = a.timedOut
      ? `the embedding provider at ${ctx.where} sent no reply within ${ctx.timeoutMs} ms; raise embed.http.timeoutMs if the model is slow`
      : `could not reach the embedding provider at ${ctx.where} (${ctx.scrub(cause)}): is it running, and is embed.http.url right?`;
    return { error: new DocflowError('ERR_EMBED_PROVIDER', message, { cause: a.error }), retry: true, congested: false, delayMs: undefined };
  }
  const status = a.status;
  const said = excerpt(ctx.scrub(a.body));
  const tail = said === '' ? '' : `: ${said}`;
  const details = { status };
  if (status === 429) {
    const message = `the embedding provider at ${ctx.where} is rate limiting (HTTP 429)${tail}; lower embed.http.maxConcurrency or raise the provider's limits`;
    return { error: new DocflowError('ERR_EMBED_RATE_LIMITED', message, { details }), retry: true, congested: true, delayMs: retryAfterMs(a.retryAfter, ctx.retryMaxDelayMs) };
  }
  if (status === 401 || status === 403) {
    const message = `the embedding provider at ${ctx.where} refused the credentials (HTTP ${status})${tail}; check embed.http.apiKey`;
    return { error: new DocflowError('ERR_EMBED_AUTH', message, { details }), retry: false, congested: false, delayMs: undefined };
  }
  if (status === 408 || status >= 500) {
    const message = `the embedding provider at ${ctx.where} failed (HTTP ${status})${tail}`;
    const overloaded = status === 503;
    return {
      error: new DocflowError('ERR_EMBED_PROVIDER', message, { details }),
      retry: true,
      congested: overloaded,
      delayMs: overloaded ? retryAfterMs(a.retryAfter, ctx.retryMaxDelayMs) : undefined,
    };
  }
  const message = `the embedding provider at ${ctx.where} rejected the request (HTTP ${status})${tail}; check embed.http.url and embed.http.model, and that no text is over the model's input limit`;
  return { error: new DocflowError('ERR_EMBED_PROVIDER', message, { details, retryable: false }), retry: false, congested: false, delayMs: undefined };
}
