import { describe, expect, it } from "vitest";
import { failedFirst, handOn, SEND_BATCH_BYTES, SEND_BATCH_MESSAGES, sendBatches, sendInBatches, splitByBudget } from "./queue";

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
    expect(await sendInBatches({ sendBatch: async (m: { body: number }[]) => void sent.push(m) }, [])).toBe(0);
    expect(sent).toEqual([]);
    const calls = await sendInBatches(
      { sendBatch: async (m: { body: number }[]) => void sent.push(m) },
      Array.from({ length: 101 }, (_, i) => ({ body: i })),
    );
    expect(sent.map((b) => b.length)).toEqual([100, 1]);
    // The calls it made, as a producer counts them against its budget (a page of balance alerts).
    expect(calls).toBe(2);
  });
});

describe("an invocation's budget over a batch", () => {
  it("works the head whose costs fit, in order, and hands on the rest, each message once", () => {
    const costs = [300, 300, 300, 200, 5];
    const { work, handOn } = splitByBudget(costs, (c) => c, 1_000);
    expect(work).toEqual([300, 300, 300]);
    expect(handOn).toEqual([200, 5]);
  });

  it("always works the first message, even one that costs more than the budget", () => {
    expect(splitByBudget([2_000, 1], (c) => c, 1_000)).toEqual({ work: [2_000], handOn: [1] });
    expect(splitByBudget([], (c: number) => c, 1_000)).toEqual({ work: [], handOn: [] });
  });

  it("works a whole batch that fits, up to the last call of the budget", () => {
    const batch = Array.from({ length: 100 }, () => 10);
    expect(splitByBudget(batch, (c) => c, 1_000).handOn).toEqual([]);
    expect(splitByBudget(batch, (c) => c, 999).work).toHaveLength(99);
  });
});

describe("handing messages on to another invocation", () => {
  const message = (body: number, attempts: number, seen: string[]) => ({
    body,
    attempts,
    ack: () => void seen.push(`ack ${body}`),
    retry: () => void seen.push(`retry ${body}`),
  });

  it("puts the messages that failed before first, the rest in their order, so the ones worked are those whose failures count", () => {
    const seen: string[] = [];
    const batch = [message(1, 1, seen), message(2, 3, seen), message(3, 1, seen), message(4, 2, seen)];
    expect(failedFirst(batch).map((m) => m.body)).toEqual([2, 4, 1, 3]);
    // A backlog that all failed once is worked from its head and the rest handed on fresh, none retried unworked.
    const { work, handOn: later } = splitByBudget(failedFirst(batch), () => 1, 2);
    expect(work.map((m) => m.body)).toEqual([2, 4]);
    expect(later.map((m) => m.body)).toEqual([1, 3]);
  });

  it("sends the rest again as new messages and acks them; retries them when the queue refuses: nothing is lost", async () => {
    const seen: string[] = [];
    const sent: unknown[] = [];
    await handOn({ sendBatch: async (m: { body: unknown }[]) => void sent.push(...m.map((x) => x.body)) }, [
      message(1, 1, seen),
      message(3, 2, seen),
    ]);
    expect(sent).toEqual([1, 3]);
    expect(seen).toEqual(["ack 1", "ack 3"]);
    const refused: string[] = [];
    await handOn(
      {
        sendBatch: async () => {
          throw new Error("Queue send failed");
        },
      },
      [message(1, 1, refused)],
    );
    expect(refused).toEqual(["retry 1"]);
  });
});
