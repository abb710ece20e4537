/**
 * How long a 429 or 503 asks us to wait, ms, from its `Retry-After` header: delta-seconds ("120")
 * or an HTTP date. `undefined` when the header is absent or unreadable (the caller then backs off on
 * its own); a date in the past gives 0; anything longer than `capMs` is cut to `capMs`, so a
 * misconfigured server cannot park the pipeline for hours.
 */
export function retryAfterMs(header: string | null | undefined, capMs: number, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(value)) {
    ms = Number(value) * 1000;
  } else {
    // An HTTP date names its day and month; Date.parse alone would also take "-5" or "2".
    if (!/[a-z]{3}/i.test(value)) return undefined;
    const at = Date.parse(value);
    if (Number.isNaN(at)) return undefined;
    ms = at - now;
  }
  return Math.min(capMs, Math.max(0, Math.ceil(ms)));
}
