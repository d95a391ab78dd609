import { describe, expect, it } from "vitest";
import { SEND_BATCH_BYTES, SEND_BATCH_MESSAGES, sendBatches, sendInBatches } from "./queue";

const bytes = (batch: { body: unknown }[]) => batch.reduce((t, m) => t + new TextEncoder().encode(JSON.stringify(m.body)).length + 128, 0);

describe("sendBatches", () => {
  it("keeps every message once, in order, at most 100 a batch", () => {
    const messages = Array.from({ length: 250 }, (_, i) => ({ body: { i } }));
    const batches = sendBatches(messages);
    expect(batches.map((b) => b.length)).toEqual([100, 100, 50]);
    expect(batches.flat()).toEqual(messages);
  });

  it("cuts a batch before 256 KB: a hundred messages of 1,500 Cyrillic letters are more than one batch", () => {
    const text = "Скидка на домашний интернет ".repeat(60).slice(0, 1500);
    const messages = Array.from({ length: 100 }, (_, i) => ({ body: { channel: "event", eventId: `e${i}`, params: { text } } }));
    expect(bytes(messages)).toBeGreaterThan(SEND_BATCH_BYTES);
    const batches = sendBatches(messages);
    expect(batches.length).toBe(2);
    for (const b of batches) {
      expect(b.length).toBeLessThanOrEqual(SEND_BATCH_MESSAGES);
      expect(bytes(b)).toBeLessThanOrEqual(SEND_BATCH_BYTES);
    }
    expect(batches.flat()).toEqual(messages);
  });

  it("sends nothing for no messages, and sends each batch through the queue", async () => {
    const sent: unknown[][] = [];
    await sendInBatches({ sendBatch: async (m: { body: number }[]) => void sent.push(m) }, []);
    expect(sent).toEqual([]);
    await sendInBatches(
      { sendBatch: async (m: { body: number }[]) => void sent.push(m) },
      Array.from({ length: 101 }, (_, i) => ({ body: i })),
    );
    expect(sent.map((b) => b.length)).toEqual([100, 1]);
  });
});
