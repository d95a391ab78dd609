import { qrMatrix } from "../../shared/qr";

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

async function zlib(bytes: Uint8Array): Promise<Uint8Array> {
  // "deflate" is RFC 1950 (zlib) framing, what PNG's IDAT holds.
  const stream = new Blob([bytes]).stream().pipeThrough(new CompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * A PNG (8-bit greyscale, PNG spec § 11) of a grid of dark and light modules, `scale` pixels a module, with a
 * `quiet`-module white margin: how a QR code goes into a PDF as an image a test (or a phone) can read back.
 */
export async function modulesPng(modules: boolean[][], scale = 4, quiet = 4): Promise<Uint8Array> {
  const side = (modules.length + 2 * quiet) * scale;
  const raw = new Uint8Array(side * (side + 1)).fill(255);
  for (let y = 0; y < side; y++) {
    raw[y * (side + 1)] = 0; // filter type None
    const my = Math.floor(y / scale) - quiet;
    const row = modules[my];
    if (!row) continue;
    for (let x = 0; x < side; x++) if (row[Math.floor(x / scale) - quiet]) raw[y * (side + 1) + 1 + x] = 0;
  }
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, side);
  view.setUint32(4, side);
  ihdr.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", await zlib(raw)),
    chunk("IEND", new Uint8Array()),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The QR code of `text` (shared/qr.ts, level M) as a PNG. */
export const qrPng = (text: string, scale = 4) => modulesPng(qrMatrix(text), scale);
