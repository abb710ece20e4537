/** Estimated tokens of a text: characters / 4, at least 1 (close enough for English with cl100k-like tokenizers). */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

/** A run of consecutive texts sent in one request: `texts[start .. end)`. */
export interface BatchRange {
  start: number;
  end: number;
}

/**
 * Cut `texts` into consecutive requests of at most `maxItems` texts and `maxTokens` estimated
 * tokens. A text over `maxTokens` on its own still gets a request of its own (never dropped, never
 * split: cutting a text would change its vector).
 */
export function planBatches(texts: readonly string[], maxItems: number, maxTokens: number): BatchRange[] {
  const out: BatchRange[] = [];
  let start = 0;
  let tokens = 0;
  for (let i = 0; i < texts.length; i++) {
    const t = estimateTokens(texts[i] as string);
    const full = i - start >= maxItems || (i > start && tokens + t > maxTokens);
    if (full) {
      out.push({ start, end: i });
      start = i;
      tokens = 0;
    }
    tokens += t;
  }
  if (start < texts.length) out.push({ start, end: texts.length });
  return out;
}
