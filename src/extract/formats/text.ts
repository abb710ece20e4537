import { decodeText } from '../decode.js';
import type { Extracted } from '../types.js';

/** Plain text: decoded as is (line endings normalised), one section. */
export function extractText(bytes: Uint8Array): Extracted {
  const text = decodeText(bytes, 'text');
  return { text, format: 'text', sections: [{ start: 0, end: text.length, headingPath: [] }] };
}
