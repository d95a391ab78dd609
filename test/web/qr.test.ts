import { describe, expect, it } from "vitest";
import { qrMatrix } from "../../shared/qr";

const bits = (m: boolean[][]) => m.map((row) => row.map((d) => (d ? "1" : "0")).join(""));

/** "https://qr.nspk.ru/AD1", level M, mask 2, as another encoder draws it (python-qrcode 8.2, version 2). */
const EXPECTED = [
  "1111111000100010101111111",
  "1000001001011011001000001",
  "1011101010100010001011101",
  "1011101011101101101011101",
  "1011101010000100101011101",
  "1000001010001111001000001",
  "1111111010101010101111111",
  "0000000011100010100000000",
  "1011111000100010001111100",
  "1011110011101000010100010",
  "0111011111111001101101011",
  "0010110100001010000000001",
  "0101001100010010001110111",
  "1001000101001000100101010",
  "1001101000000011010111011",
  "1000010110101001000110001",
  "1010001100001101111110100",
  "0000000010100010100011000",
  "1111111001011000101010111",
  "1000001010110010100011000",
  "1011101011110001111110111",
  "1011101010101100111011111",
  "1011101011000111000001101",
  "1000001001101100110111001",
  "1111111011001010000111111",
];

async function sha256(text: string) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

describe("the СБП QR encoder", () => {
  it("draws the same modules as an independent encoder", () => {
    expect(bits(qrMatrix("https://qr.nspk.ru/AD1", 2))).toEqual(EXPECTED);
  });

  it("matches it for a longer payload too (version 9: several blocks, version bits)", async () => {
    const m = qrMatrix("x".repeat(160), 6);
    expect(m.length).toBe(53);
    expect(await sha256(bits(m).join("\n"))).toBe("b4dab4f6ccb87f32755b710bddaf5cf26a355aa08a56bcc71a9f8b88aa1b3e3d");
  });

  it("picks a mask by itself and keeps the finder patterns and the quiet-zone-free size", () => {
    const m = qrMatrix("https://qr.nspk.ru/AD1");
    expect(m.length).toBe(25);
    expect(
      bits(m)
        .slice(0, 7)
        .map((r) => r.slice(0, 7)),
    ).toEqual(EXPECTED.slice(0, 7).map((r) => r.slice(0, 7)));
  });
});
