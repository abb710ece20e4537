/**
 * Structure-aware msgpack mutations. A decoded seed message becomes a tree of msgpack nodes; one node
 * is replaced by something hostile (another type, a length that lies, a huge declared length,
 * deep nesting, extension types, 0xc1, invalid UTF-8, non-string or `__proto__` keys, out-of-range
 * numbers); the tree is written back byte by byte by a writer that will write anything, so the
 * input reaches the codec's guard and schema with its structure otherwise intact.
 */
import fc from 'fast-check';

/** A msgpack value as written; `lie` replaces the declared length or count of a str/bin/array/map. */
export type Node =
  | { t: 'nil' }
  | { t: 'bool'; v: boolean }
  | { t: 'uint'; v: bigint }
  | { t: 'int'; v: bigint }
  | { t: 'float'; v: number; f32: boolean }
  | { t: 'str'; bytes: Uint8Array; lie?: number }
  | { t: 'bin'; bytes: Uint8Array; lie?: number }
  | { t: 'array'; items: Node[]; lie?: number }
  | { t: 'map'; entries: Array<[Node, Node]>; lie?: number }
  | { t: 'ext'; type: number; data: Uint8Array }
  | { t: 'raw'; bytes: Uint8Array }
  /** `inner` wrapped in `depth` one-item arrays (or one-key maps), written without recursion. */
  | { t: 'nest'; depth: number; map: boolean; inner: Node };

const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** The tree of a decoded value (what the codec returns: maps, arrays, strings, numbers, bytes). */
export function toNode(v: unknown): Node {
  if (v === null || v === undefined) return { t: 'nil' };
  if (typeof v === 'boolean') return { t: 'bool', v };
  if (typeof v === 'bigint') return v >= 0n ? { t: 'uint', v } : { t: 'int', v };
  if (typeof v === 'number') return Number.isSafeInteger(v) ? (v >= 0 ? { t: 'uint', v: BigInt(v) } : { t: 'int', v: BigInt(v) }) : { t: 'float', v, f32: false };
  if (typeof v === 'string') return { t: 'str', bytes: utf8(v) };
  if (v instanceof Uint8Array) return { t: 'bin', bytes: v };
  if (Array.isArray(v)) return { t: 'array', items: v.map(toNode) };
  return { t: 'map', entries: Object.entries(v as object).map(([k, x]) => [{ t: 'str', bytes: utf8(k) }, toNode(x)]) };
}

class Writer {
  readonly parts: Buffer[] = [];
  byte(...b: number[]): void {
    this.parts.push(Buffer.from(b));
  }
  u(n: number, width: 1 | 2 | 4): void {
    const b = Buffer.alloc(width);
    if (width === 1) b[0] = n & 0xff;
    else if (width === 2) b.writeUInt16BE(n & 0xffff);
    else b.writeUInt32BE(n >>> 0);
    this.parts.push(b);
  }
  bytes(b: Uint8Array): void {
    this.parts.push(Buffer.from(b));
  }
  /** A length header: the fix form when it fits in `fixMax`, else the smallest of the 8/16/32 forms. */
  length(n: number, fix: number, fixMax: number, leads: readonly [number | undefined, number, number]): void {
    if (n <= fixMax) this.byte(fix | n);
    else if (leads[0] !== undefined && n <= 0xff) { this.byte(leads[0]); this.u(n, 1); }
    else if (n <= 0xffff) { this.byte(leads[1]); this.u(n, 2); }
    else { this.byte(leads[2]); this.u(n, 4); }
  }
}

function writeNode(w: Writer, n: Node): void {
  switch (n.t) {
    case 'nil': w.byte(0xc0); break;
    case 'bool': w.byte(n.v ? 0xc3 : 0xc2); break;
    case 'uint': {
      if (n.v < 128n) w.byte(Number(n.v));
      else { const b = Buffer.alloc(9); b[0] = 0xcf; b.writeBigUInt64BE(BigInt.asUintN(64, n.v), 1); w.bytes(b); }
      break;
    }
    case 'int': { const b = Buffer.alloc(9); b[0] = 0xd3; b.writeBigInt64BE(BigInt.asIntN(64, n.v), 1); w.bytes(b); break; }
    case 'float': {
      const b = Buffer.alloc(n.f32 ? 5 : 9);
      b[0] = n.f32 ? 0xca : 0xcb;
      if (n.f32) b.writeFloatBE(n.v, 1); else b.writeDoubleBE(n.v, 1);
      w.bytes(b);
      break;
    }
    case 'str': w.length(n.lie ?? n.bytes.length, 0xa0, 31, [0xd9, 0xda, 0xdb]); w.bytes(n.bytes); break;
    case 'bin': w.length(n.lie ?? n.bytes.length, 0, -1, [0xc4, 0xc5, 0xc6]); w.bytes(n.bytes); break;
    case 'array': w.length(n.lie ?? n.items.length, 0x90, 15, [undefined, 0xdc, 0xdd]); for (const x of n.items) writeNode(w, x); break;
    case 'map':
      w.length(n.lie ?? n.entries.length, 0x80, 15, [undefined, 0xde, 0xdf]);
      for (const [k, v] of n.entries) { writeNode(w, k); writeNode(w, v); }
      break;
    case 'ext': w.byte(0xc7); w.u(n.data.length, 1); w.byte(n.type & 0xff); w.bytes(n.data); break;
    case 'raw': w.bytes(n.bytes); break;
    case 'nest':
      for (let i = 0; i < n.depth; i++) w.byte(...(n.map ? [0x81, 0xa1, 0x6b] : [0x91]));
      writeNode(w, n.inner);
      break;
  }
}

/** The bytes of a tree, written exactly as it says (lies included). */
export function writeMsgpack(n: Node): Uint8Array {
  const w = new Writer();
  writeNode(w, n);
  return new Uint8Array(Buffer.concat(w.parts));
}

/** Every node of the tree in pre-order (map keys included), with a setter that replaces it. */
function slots(root: { n: Node }): Array<{ node: Node; set(n: Node): void; isKey: boolean }> {
  const out: Array<{ node: Node; set(n: Node): void; isKey: boolean }> = [];
  const visit = (node: Node, set: (n: Node) => void, isKey: boolean): void => {
    out.push({ node, set, isKey });
    if (node.t === 'array') node.items.forEach((x, i) => visit(x, (m) => { node.items[i] = m; }, false));
    if (node.t === 'map') {
      node.entries.forEach((e, i) => {
        visit(e[0], (m) => { node.entries[i] = [m, node.entries[i]![1]]; }, true);
        visit(e[1], (m) => { node.entries[i] = [node.entries[i]![0], m]; }, false);
      });
    }
  };
  visit(root.n, (m) => { root.n = m; }, false);
  return out;
}

/** A hostile replacement for one node; some depend on the node they replace. */
export type Hostile =
  | { kind: 'value'; node: Node }
  | { kind: 'lie'; count: number }
  | { kind: 'nest'; depth: number; map: boolean }
  | { kind: 'duplicateKey' }
  | { kind: 'extraField'; key: string; node: Node };

const leaf: fc.Arbitrary<Node> = fc.oneof(
  fc.constant<Node>({ t: 'nil' }),
  fc.boolean().map((v): Node => ({ t: 'bool', v })),
  fc.constantFrom(0n, 1n, 127n, 128n, 255n, 65_535n, 2n ** 32n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 64n - 1n).map((v): Node => ({ t: 'uint', v })),
  fc.constantFrom(-1n, -32n, -33n, -(2n ** 31n), -(2n ** 53n) - 1n, -(2n ** 63n)).map((v): Node => ({ t: 'int', v })),
  fc.tuple(fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, 1e308, 5e-324, 2 ** 53), fc.boolean()).map(([v, f32]): Node => ({ t: 'float', v, f32 })),
  fc.string({ unit: 'binary', maxLength: 40 }).map((s): Node => ({ t: 'str', bytes: utf8(s) })),
  fc.constantFrom('', '__proto__', 'constructor', 'toString', 'a'.repeat(70_000)).map((s): Node => ({ t: 'str', bytes: utf8(s) })),
  // Invalid UTF-8: a lone continuation byte, an overlong form, an encoded surrogate, a cut sequence.
  fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80]).map((b): Node => ({ t: 'str', bytes: new Uint8Array(b) })),
  fc.uint8Array({ maxLength: 64 }).map((bytes): Node => ({ t: 'bin', bytes })),
  fc.tuple(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: 16 })).map(([type, data]): Node => ({ t: 'ext', type, data })),
  fc.constantFrom([0xc1], [0xd4, 0xff, 0x00], [0xd6, 0xff, 0, 0, 0, 0], [0xc7, 0xff], [0xdf, 0xff, 0xff, 0xff, 0xff], [0xdd, 0x7f, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xff], [0xc6, 0x80, 0, 0, 0])
    .map((b): Node => ({ t: 'raw', bytes: new Uint8Array(b) })),
  fc.integer({ min: 0, max: 20_000 }).map((n): Node => ({ t: 'array', items: Array.from({ length: n }, (): Node => ({ t: 'nil' })) })),
);

export const hostile: fc.Arbitrary<Hostile> = fc.oneof(
  { weight: 4, arbitrary: leaf.map((node): Hostile => ({ kind: 'value', node })) },
  { weight: 2, arbitrary: fc.oneof(fc.integer({ min: 0, max: 70_000 }), fc.constantFrom(0xffff, 0x7fffffff, 0xffffffff)).map((count): Hostile => ({ kind: 'lie', count })) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), depth: fc.oneof(fc.integer({ min: 1, max: 70 }), fc.integer({ min: 60, max: 5000 })), map: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant<Hostile>({ kind: 'duplicateKey' }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('extraField' as const), key: fc.constantFrom('__proto__', 'extra', 'constructor', ''), node: leaf }) },
);

function apply(slot: { node: Node; set(n: Node): void; isKey: boolean }, h: Hostile): void {
  const n = slot.node;
  switch (h.kind) {
    case 'value': slot.set(h.node); break;
    case 'lie': if (n.t === 'str' || n.t === 'bin' || n.t === 'array' || n.t === 'map') slot.set({ ...n, lie: h.count } as Node); else slot.set({ t: 'raw', bytes: new Uint8Array([0xdd, 0, 0, 0, 0]) }); break;
    case 'nest': slot.set({ t: 'nest', depth: h.depth, map: h.map, inner: n }); break;
    case 'duplicateKey': if (n.t === 'map' && n.entries.length > 0) slot.set({ ...n, entries: [...n.entries, n.entries[0]!] }); break;
    case 'extraField': if (n.t === 'map') slot.set({ ...n, entries: [...n.entries, [{ t: 'str', bytes: utf8(h.key) }, h.node]] }); break;
  }
}

/** `value`'s tree with hostile changes at the given positions (fractions of the node count). */
export function mutateTree(value: unknown, changes: ReadonlyArray<{ at: number; h: Hostile }>): Uint8Array {
  const root = { n: toNode(value) };
  for (const c of changes) {
    const all = slots(root);
    apply(all[Math.floor(c.at * all.length)]!, c.h);
  }
  return writeMsgpack(root.n);
}
