import { abortedError } from './abort.js';

/** How one HTTP attempt ended, when the caller did not cancel it. */
export type Attempt =
  | { kind: 'ok'; body: string }
  | { kind: 'http'; status: number; retryAfter: string | null; body: string }
  | { kind: 'network'; error: unknown; timedOut: boolean };

/**
 * One POST of `payload` to `endpoint` with global fetch, body read in full, within `timeoutMs`
 * (headers and body together). Never throws for a server's or the network's failure: the caller
 * decides what to retry. Throws `ERR_ABORTED` only when `signal` fires.
 */
export async function postOnce(
  endpoint: string, headers: Readonly<Record<string, string>>, payload: string, timeoutMs: number, signal: AbortSignal | undefined,
): Promise<Attempt> {
  if (signal?.aborted) throw abortedError(signal);
  const ac = new AbortController();
  const onAbort = (): void => ac.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ac.abort(new Error(`no reply within ${timeoutMs} ms`));
  }, timeoutMs);
  try {
    const res = await fetch(endpoint, { method: 'POST', headers, body: payload, signal: ac.signal });
    const body = await res.text();
    if (res.ok) return { kind: 'ok', body };
    return { kind: 'http', status: res.status, retryAfter: res.headers.get('retry-after'), body };
  } catch (error) {
    if (signal?.aborted) throw abortedError(signal);
    return { kind: 'network', error, timedOut };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
