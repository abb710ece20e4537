/** Byte signatures of the binary formats docflow is asked about but does not read, for clear refusals. */

function startsWith(bytes: Uint8Array, sig: readonly number[], at = 0): boolean {
  if (bytes.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (bytes[at + i] !== sig[i]) return false;
  return true;
}

const ascii = (s: string): number[] => [...s].map((c) => c.charCodeAt(0));

const SIGNATURES: ReadonlyArray<{ name: string; test: (b: Uint8Array) => boolean }> = [
  { name: 'a PNG image', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { name: 'a JPEG image', test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { name: 'a GIF image', test: (b) => startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a')) },
  { name: 'a WebP image', test: (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8) },
  { name: 'a TIFF image', test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]) },
  { name: 'a PostScript file', test: (b) => startsWith(b, ascii('%!PS')) },
  { name: 'an RTF document', test: (b) => startsWith(b, ascii('{\\rtf')) },
  { name: 'an ELF executable', test: (b) => startsWith(b, [0x7f, 0x45, 0x4c, 0x46]) },
  { name: 'a 7-Zip archive', test: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { name: 'a RAR archive', test: (b) => startsWith(b, ascii('Rar!\x1a\x07')) },
  { name: 'an xz archive', test: (b) => startsWith(b, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) },
  { name: 'a bzip2 archive', test: (b) => startsWith(b, ascii('BZh')) && b[3] !== undefined && b[3] >= 0x31 && b[3] <= 0x39 },
  { name: 'a zstd archive', test: (b) => startsWith(b, [0x28, 0xb5, 0x2f, 0xfd]) },
  { name: 'an SQLite database', test: (b) => startsWith(b, ascii('SQLite format 3\0')) },
  { name: 'a WebAssembly module', test: (b) => startsWith(b, [0x00, 0x61, 0x73, 0x6d]) },
  { name: 'an MP4/QuickTime file', test: (b) => startsWith(b, ascii('ftyp'), 4) },
  { name: 'an Ogg file', test: (b) => startsWith(b, ascii('OggS')) },
  { name: 'an MP3 file', test: (b) => startsWith(b, ascii('ID3')) },
];

/** The OLE2 compound file magic: legacy Office files, and password-protected OOXML. */
export function isOle(bytes: Uint8Array): boolean {
  return startsWith(bytes, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
}

/** An OLE file holding an `EncryptedPackage` stream: Office's wrapper for a password-protected DOCX. */
export function isEncryptedOoxml(bytes: Uint8Array): boolean {
  if (!isOle(bytes)) return false;
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes(Buffer.from('EncryptedPackage', 'utf16le'));
}

/** Where `%PDF-` starts within the first KiB (readers accept some leading junk), or -1. */
export function pdfHeaderAt(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 1024)).indexOf('%PDF-');
}

/** What a known unsupported binary format is called ("a PNG image"), or undefined. */
export function knownBinary(bytes: Uint8Array): string | undefined {
  if (isOle(bytes)) return 'an OLE compound file (a legacy .doc, .xls or .ppt)';
  return SIGNATURES.find((s) => s.test(bytes))?.name;
}

/** The first bytes in hex, to name what was seen in an error. */
export function hexHead(bytes: Uint8Array, n = 8): string {
  return [...bytes.subarray(0, n)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
}
