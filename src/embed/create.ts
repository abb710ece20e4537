import { hashEmbedder } from './hash.js';
import { httpEmbedder } from './http.js';
import type { HttpEmbedderOptions } from './http-options.js';
import type { Embedder } from './types.js';

/** The `embed.provider` part of the configuration: the offline hash embedder, or an OpenAI-compatible server. */
export type EmbedProviderConfig =
  | { provider: 'hash'; dimension: number }
  | ({ provider: 'http' } & Partial<HttpEmbedderOptions> & { url: string; model: string });

/** The embedder a configuration asks for. Throws a `TypeError` naming the bad field. */
export function createEmbedder(cfg: EmbedProviderConfig): Embedder {
  switch (cfg?.provider) {
    case 'hash':
      return hashEmbedder({ dimension: cfg.dimension });
    case 'http': {
      const { provider: _provider, ...opts } = cfg;
      return httpEmbedder(opts);
    }
    default:
      throw new TypeError(`cfg.provider must be 'hash' or 'http' (got ${JSON.stringify((cfg as { provider?: unknown } | null)?.provider)})`);
  }
}
