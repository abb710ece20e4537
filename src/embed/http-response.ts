import { DocflowError } from '../errors/index.js';

/** At most this much of a reply goes into an error message. */
const EXCERPT = 200;

/** The start of a reply body, on one line, for an error message. */
export function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
}

function bad(message: string, details?: unknown): DocflowError {
  return new DocflowError('ERR_EMBED_BAD_RESPONSE', message, details === undefined ? {} : { details });
}

/**
 * The vectors of an OpenAI-style embeddings reply (`{ data: [{ embedding, index }] }`), put back in
 * input order by `index` (servers may answer out of order; without any `index`, array order is
 * used). Throws `ERR_EMBED_BAD_RESPONSE` for anything else (not JSON, wrong count, duplicate or
 * out-of-range index, a value that is not a finite number) and `ERR_EMBED_DIMENSION` when a vector's
 * length differs from `dimension` or from the others'.
 */
export function parseEmbeddings(body: string, count: number, dimension: number | undefined): Float32Array[] {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw bad(`the embeddings reply is not JSON: "${excerpt(body)}"`);
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data)) {
    const providerError = (json as { error?: { message?: unknown } } | null)?.error?.message;
    const why = typeof providerError === 'string' ? `the provider says: ${excerpt(providerError)}` : `got "${excerpt(body)}"`;
    throw bad(`the embeddings reply has no \`data\` array; ${why}`);
  }
  if (data.length !== count) throw bad(`the embeddings reply has ${data.length} vectors for ${count} texts`, { expected: count, got: data.length });
  const out = new Array<Float32Array | undefined>(count);
  let dim = dimension;
  for (let pos = 0; pos < data.length; pos++) {
    const item = data[pos] as { embedding?: unknown; index?: unknown } | null;
    const index = item?.index ?? pos;
    if (!Number.isSafeInteger(index) || (index as number) < 0 || (index as number) >= count) throw bad(`data[${pos}].index is ${String(index)}, not an integer from 0 to ${count - 1}`);
    if (out[index as number] !== undefined) throw bad(`data[${pos}].index ${String(index)} appears twice`);
    const vector = toVector(item?.embedding, pos);
    if (dim === undefined) dim = vector.length;
    else if (vector.length !== dim) {
      throw new DocflowError('ERR_EMBED_DIMENSION', `the provider returned a vector of dimension ${vector.length}, expected ${dim}: set embed.http.dimension to the model's, or use the model the collection was made with`, { details: { expected: dim, got: vector.length } });
    }
    out[index as number] = vector;
  }
  return out as Float32Array[];
}

function toVector(embedding: unknown, pos: number): Float32Array {
  if (!Array.isArray(embedding)) throw bad(`data[${pos}].embedding is not an array of numbers (base64 encoding is not supported)`);
  if (embedding.length === 0) throw bad(`data[${pos}].embedding is empty`);
  const v = new Float32Array(embedding.length);
  for (let k = 0; k < embedding.length; k++) {
    const x: unknown = embedding[k];
    if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`data[${pos}].embedding[${k}] is ${JSON.stringify(x) ?? String(x)}, not a finite number`);
    v[k] = x;
    // A double beyond Float32's range would become Infinity in the index.
    if (!Number.isFinite(v[k])) throw bad(`data[${pos}].embedding[${k}] is ${x}, beyond 32-bit float range`);
  }
  return v;
}
