import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TICKET_STATUSES } from "../../worker/db/schema/region";
import { canMoveTicket, TICKET_TRANSITIONS } from "../../worker/features/support/tickets.machine";
import { autoCloseTickets, commentTicket } from "../../worker/features/support/tickets.service";
import { createDataAccess, SHARDS } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { api, call, json, login, SAME_ORIGIN, shardRows } from "./helpers";

type Chat = { id: string; status: string; lastSeq: number; customerReadSeq: number; operatorReadSeq: number; operatorName: string | null };
type Message = {
  id: string;
  seq: number;
  author: string;
  text: string;
  clientId: string | null;
  attachment: { id: string; url: string } | null;
};
type Ticket = {
  id: string;
  number: string;
  status: string;
  next: string[];
  region: string;
  history: { from: string | null; to: string | null; actor: string; comment: string | null }[] | null;
};
type Problem = { title: string; detail?: string; errors?: { field: string; message: string }[] };

const ANNA_MSK = makeAccountNo("20100000001");
const PETR_EKB = makeAccountNo("50400000006");
let ip = 0;
const nextIp = () => `203.0.113.${++ip}`;

async function operator(loginName: string, sub = "msk"): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  const res = await call(sub, "/ops/v1/support/session", {
    method: "POST",
    headers: { ...SAME_ORIGIN, origin: `http://${sub}.kabinet.localhost`, "cf-connecting-ip": nextIp() },
    body: JSON.stringify({ login: loginName, password: "Operator2026" }),
  });
  expect(res.status).toBe(200);
  const cookie = /kab_ops=([^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1];
  expect(res.headers.get("set-cookie")).toMatch(/HttpOnly/i);
  expect(res.headers.get("set-cookie")).toMatch(/SameSite=Strict/i);
  return (path, init = {}) =>
    call(sub, `/ops/v1/support${path}`, {
      ...init,
      headers: {
        ...SAME_ORIGIN,
        origin: `http://${sub}.kabinet.localhost`,
        cookie: `kab_ops=${cookie}`,
        ...(init.headers as Record<string, string>),
      },
    });
}

const postJson = (fn: (p: string, i?: RequestInit) => Promise<Response>, path: string, body: unknown) =>
  fn(path, { method: "POST", body: JSON.stringify(body) });
const visitorCall = (cookie: string, path: string, init: RequestInit = {}) =>
  call("msk", `/api/v1${path}`, { ...init, headers: { ...SAME_ORIGIN, cookie, ...(init.headers as Record<string, string>) } });

interface Socket {
  ws: WebSocket;
  events: Record<string, unknown>[];
  next: (type: string) => Promise<Record<string, unknown>>;
  /** The next message event whose text is `text` (skipping others, such as the sender's own echo). */
  message: (text: string) => Promise<Message>;
}

async function openSocket(res: Response): Promise<Socket> {
  expect(res.status).toBe(101);
  const ws = res.webSocket as WebSocket;
  ws.accept();
  const events: Record<string, unknown>[] = [];
  const waiters: { type: string; resolve: (e: Record<string, unknown>) => void }[] = [];
  ws.addEventListener("message", (m) => {
    const e = JSON.parse(String(m.data)) as Record<string, unknown>;
    const i = waiters.findIndex((w) => w.type === e.type);
    if (i >= 0) waiters.splice(i, 1)[0]?.resolve(e);
    else events.push(e);
  });
  const next = (type: string) => {
    const i = events.findIndex((e) => e.type === type);
    if (i >= 0) return Promise.resolve(events.splice(i, 1)[0] as Record<string, unknown>);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      waiters.push({ type, resolve });
      setTimeout(() => reject(new Error(`no ${type} event`)), 5000);
    });
  };
  const message = async (text: string): Promise<Message> => {
    for (;;) {
      const m = (await next("message")).message as Message;
      if (m.text === text) return m;
    }
  };
  return { ws, events, next, message };
}

describe("support chat", () => {
  it("lets a subscriber and the operator who took the chat talk in real time, numbered, once per client id, with read marks", async () => {
    const anna = await login("anna");
    const started = await api(anna, "/support/chats", {
      method: "POST",
      body: JSON.stringify({ topic: "internet", text: "Не работает интернет", clientId: "c-anna-0001" }),
    });
    expect(started.status).toBe(201);
    const { chat } = await json<{ chat: Chat }>(started);
    expect(chat.id).toMatch(/^msk_/);
    expect(chat.status).toBe("waiting");
    expect(chat.lastSeq).toBe(1);
    // Starting again returns the open chat.
    const again = await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "other" }) });
    expect(again.status).toBe(200);
    expect((await json<{ chat: Chat }>(again)).chat.id).toBe(chat.id);

    const maria = await operator("operator.msk");
    const queue = await json<{ chats: { id: string; customerName: string; status: string }[] }>(await maria("/queue"));
    expect(queue.chats.find((c) => c.id === chat.id)).toMatchObject({ customerName: "Анна Иванова", status: "waiting" });

    // Sockets of both sides.
    const customerWs = await openSocket(
      await call("msk", `/api/v1/support/chats/${chat.id}/live`, {
        headers: { upgrade: "websocket", origin: "http://msk.kabinet.localhost", cookie: anna },
      }),
    );
    const operatorWs = await openSocket(await maria(`/chats/${chat.id}/live`, { headers: { upgrade: "websocket" } }));

    // An operator writes only in a chat they have taken.
    expect((await postJson(maria, `/chats/${chat.id}/messages`, { text: "Здравствуйте", clientId: "op-0000001" })).status).toBe(409);
    const taken = await json<{ chat: Chat }>(await maria(`/chats/${chat.id}/take`, { method: "POST" }));
    expect(taken.chat).toMatchObject({ status: "active", operatorName: "Мария Орлова" });
    expect(((await customerWs.next("message")).message as Message).text).toBe("Оператор Мария Орлова подключился к чату");
    // A colleague cannot take it from her.
    const igor = await operator("operator.msk2");
    const refused = await igor(`/chats/${chat.id}/take`, { method: "POST" });
    expect(refused.status).toBe(409);
    expect((await json<Problem>(refused)).detail).toContain("Мария Орлова");

    const reply = await postJson(maria, `/chats/${chat.id}/messages`, {
      text: "Здравствуйте! Перезагрузите роутер",
      clientId: "op-0000002",
    });
    expect(reply.status).toBe(201);
    const live = await customerWs.message("Здравствуйте! Перезагрузите роутер");
    expect(live).toMatchObject({ author: "operator", text: "Здравствуйте! Перезагрузите роутер", seq: 3 });

    // Typing goes from one side's socket to the other side only.
    customerWs.ws.send(JSON.stringify({ type: "typing" }));
    expect(await operatorWs.next("typing")).toEqual({ type: "typing", side: "customer" });

    // A resend with the same client id (offline outbox, retry) lands once.
    const first = await json<Message>(
      await api(anna, `/support/chats/${chat.id}/messages`, {
        method: "POST",
        body: JSON.stringify({ text: "Помогло!", clientId: "c-anna-0002" }),
      }),
    );
    const resent = await json<Message>(
      await api(anna, `/support/chats/${chat.id}/messages`, {
        method: "POST",
        body: JSON.stringify({ text: "Помогло!", clientId: "c-anna-0002" }),
      }),
    );
    expect(resent.id).toBe(first.id);
    expect((await operatorWs.message("Помогло!")).author).toBe("subscriber");

    // Polling fallback: everything after a seq, in order, no gaps.
    const polled = await json<{ chat: Chat; messages: Message[] }>(await api(anna, `/support/chats/${chat.id}?after=1`));
    expect(polled.messages.map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(polled.chat.lastSeq).toBe(4);

    // Read marks: the operator has read up to 4; the customer's socket is told.
    await postJson(maria, `/chats/${chat.id}/read`, { seq: 99 });
    expect(await customerWs.next("read")).toEqual({ type: "read", side: "operator", seq: 4 });

    // Closing: a message after it is refused in the user's language.
    await maria(`/chats/${chat.id}/close`, { method: "POST" });
    const late = await api(anna, `/support/chats/${chat.id}/messages`, {
      method: "POST",
      body: JSON.stringify({ text: "Ещё вопрос", clientId: "c-anna-0003" }),
    });
    expect(late.status).toBe(409);
    expect((await json<Problem>(late)).title).toBe("Чат завершён");
    // Feedback once.
    expect(
      (
        await api(anna, "/support/feedback", {
          method: "POST",
          body: JSON.stringify({ rating: 5, text: "Быстро помогли", chatId: chat.id }),
        })
      ).status,
    ).toBe(201);
    expect((await api(anna, "/support/feedback", { method: "POST", body: JSON.stringify({ rating: 1, chatId: chat.id }) })).status).toBe(
      409,
    );
    const fb = await json<{ average: number; items: { chatId: string; rating: number }[] }>(await maria("/feedback"));
    expect(fb.items.find((f) => f.chatId === chat.id)?.rating).toBe(5);
    customerWs.ws.close();
    operatorWs.ws.close();
  });

  it("keeps chats between their parties: another subscriber, an operator of another region and an outsider get 404 or 401", async () => {
    const anna = await login("anna");
    const { chat } = await json<{ chat: Chat }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "billing", text: "Вопрос по счёту" }) }),
    );
    const petr = await login("petr");
    expect((await api(petr, `/support/chats/${chat.id}`)).status).toBe(404);
    expect(
      (
        await api(petr, `/support/chats/${chat.id}/messages`, {
          method: "POST",
          body: JSON.stringify({ text: "x", clientId: "petr-000001" }),
        })
      ).status,
    ).toBe(404);
    expect((await call("msk", `/api/v1/support/chats/${chat.id}`)).status).toBe(401);
    const olga = await operator("operator.spb", "spb");
    expect((await olga(`/chats/${chat.id}`)).status).toBe(404);
    expect((await olga(`/chats/${chat.id}/take`, { method: "POST" })).status).toBe(404);
    expect((await olga(`/chats/${chat.id}/live`, { headers: { upgrade: "websocket" } })).status).toBe(404);
    expect((await json<{ chats: { id: string }[] }>(await olga("/queue"))).chats.map((c) => c.id)).not.toContain(chat.id);
    // A made-up id in another shape is the same 404.
    expect((await api(anna, "/support/chats/zz_0000000000000000000000000")).status).toBe(404);
    // A socket from another site's page is refused.
    expect(
      (
        await call("msk", `/api/v1/support/chats/${chat.id}/live`, {
          headers: { upgrade: "websocket", origin: "https://evil.example", cookie: anna },
        })
      ).status,
    ).toBe(403);
    // Transfer only to a colleague of the chat's region.
    const maria = await operator("operator.msk");
    await maria(`/chats/${chat.id}/take`, { method: "POST" });
    const toSpb = await postJson(maria, `/chats/${chat.id}/transfer`, { operatorId: "op-spb" });
    expect(toSpb.status).toBe(400);
    const toIgor = await json<{ chat: Chat & { operatorId: string } }>(
      await postJson(maria, `/chats/${chat.id}/transfer`, { operatorId: "op-msk2" }),
    );
    expect(toIgor.chat).toMatchObject({ operatorId: "op-msk2", status: "active" });
    expect((await postJson(maria, `/chats/${chat.id}/messages`, { text: "ещё я", clientId: "op-0000003" })).status).toBe(409);
    const back = await json<{ chat: Chat }>(
      await postJson(await operator("operator.msk2"), `/chats/${chat.id}/transfer`, { operatorId: null }),
    );
    expect(back.chat).toMatchObject({ status: "waiting", operatorName: null });
  });

  it("lists a subscriber's chats of every region, and nobody else's", async () => {
    const maria = await login("maria");
    const start = (sub: string, cookie: string, text: string) =>
      call(sub, "/api/v1/support/chats", {
        method: "POST",
        headers: { ...SAME_ORIGIN, origin: `http://${sub}.kabinet.localhost`, cookie },
        body: JSON.stringify({ topic: "other", text }),
      });
    const inMoscow = await json<{ chat: Chat }>(await start("msk", maria, "Вопрос в Москве"));
    const inPiter = await json<{ chat: Chat }>(await start("spb", maria, "Вопрос в Петербурге"));
    expect(inPiter.chat.id).toMatch(/^spb_/);
    const petr = await login("petr");
    const his = await json<{ chat: Chat }>(await start("msk", petr, "Чужой вопрос"));

    const list = await json<{ items: Chat[] }>(await api(maria, "/support/chats"));
    expect(list.items.map((c) => c.id).sort()).toEqual([inPiter.chat.id, inMoscow.chat.id].sort());
    expect((await json<{ items: Chat[] }>(await api(petr, "/support/chats"))).items.map((c) => c.id)).not.toContain(inMoscow.chat.id);
    expect(list.items.map((c) => c.id)).not.toContain(his.chat.id);
  });

  it("starts one chat when a subscriber's request to start one is sent six times at once: every message lands in it", async () => {
    const petr = await login("petr");
    const start = (i: number) =>
      call("ekb", "/api/v1/support/chats", {
        method: "POST",
        headers: { ...SAME_ORIGIN, origin: "http://ekb.kabinet.localhost", cookie: petr },
        body: JSON.stringify({ topic: "internet", text: `Вопрос ${i}`, clientId: `petr-ekb-${i}` }),
      });
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => start(i)));
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const ids = new Set(await Promise.all(answers.map(async (r) => (await json<{ chat: Chat }>(r)).chat.id)));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    const listed = (await json<{ items: Chat[] }>(await api(petr, "/support/chats"))).items.filter((c) => c.id.startsWith("ekb_"));
    expect(listed.map((c) => c.id)).toEqual([id]);
    // The losers' directory entries were taken back: one entry, the chat's.
    // They are in Petr's home shard; the global table an older deployment wrote has none.
    const entries = await shardRows<{ id: string }>(
      "SELECT id FROM support_directory WHERE subscriber_id = 'demo-petr' AND region = 'ekb' AND kind = 'chat'",
    );
    expect(entries.map((e) => e.id)).toEqual([id]);
    expect(await env.DB.prepare("SELECT count(*) n FROM support_directory").first("n")).toBe(0);
    const texts = (await shardRows<{ text: string }>("SELECT text FROM support_messages WHERE chat_id = ?", id)).map((m) => m.text);
    expect(texts.sort()).toEqual(Array.from({ length: 6 }, (_, i) => `Вопрос ${i}`));
  });

  it("lets a visitor without a login chat with a name and a phone, by the key in its cookie only", async () => {
    const noName = await call("msk", "/api/v1/support/chats", {
      method: "POST",
      headers: SAME_ORIGIN,
      body: JSON.stringify({ topic: "connect" }),
    });
    expect(noName.status).toBe(400);
    const problem = await json<Problem>(noName);
    expect(problem.errors?.map((e) => e.field).sort()).toEqual(["name", "phone"]);
    expect(problem.errors?.[0]?.message).toMatch(/[а-я]/);
    const res = await call("msk", "/api/v1/support/chats", {
      method: "POST",
      headers: { ...SAME_ORIGIN, "cf-connecting-ip": "192.0.2.77" },
      body: JSON.stringify({ topic: "connect", name: "Виктор", phone: "8 (900) 555-12-34", text: "Хочу подключить интернет" }),
    });
    expect(res.status).toBe(201);
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toMatch(/kab_chat=msk_[0-9a-v]{26}\.[\w-]+;.*Path=\/api\/v1\/support/);
    expect(setCookie).toMatch(/HttpOnly/);
    const cookie = /(kab_chat=[^;]+)/.exec(setCookie)?.[1] as string;
    const { chat } = await json<{ chat: Chat }>(res);
    const seen = await json<{ messages: Message[] }>(await visitorCall(cookie, `/support/chats/${chat.id}`));
    expect(seen.messages[0]?.author).toBe("visitor");
    const maria = await operator("operator.msk");
    const q = await json<{ chats: { id: string; customerName: string; customerPhone: string; kind: string }[] }>(await maria("/queue"));
    expect(q.chats.find((c) => c.id === chat.id)).toMatchObject({ customerName: "Виктор", customerPhone: "+79005551234", kind: "visitor" });
    // A forged key for the same chat is refused.
    const forged = `kab_chat=${chat.id}.${"A".repeat(43)}`;
    expect((await visitorCall(forged, `/support/chats/${chat.id}`)).status).toBe(404);
    // Five visitor chats an hour per address.
    for (let i = 0; i < 4; i++) {
      const ok = await call("msk", "/api/v1/support/chats", {
        method: "POST",
        headers: { ...SAME_ORIGIN, "cf-connecting-ip": "192.0.2.77" },
        body: JSON.stringify({ name: "Виктор", phone: "+79005551234" }),
      });
      expect(ok.status).toBe(201);
    }
    // A flood in one chat stops at 20 messages a minute.
    let status = 0;
    for (let i = 0; i < 21 && status !== 429; i++)
      status = (
        await visitorCall(cookie, `/support/chats/${chat.id}/messages`, {
          method: "POST",
          body: JSON.stringify({ text: `${i}`, clientId: `flood-${String(i).padStart(4, "0")}` }),
        })
      ).status;
    expect(status).toBe(429);
    expect(
      (await json<{ messages: Message[] }>(await visitorCall(cookie, `/support/chats/${chat.id}`))).messages.filter(
        (m) => m.author === "visitor",
      ),
    ).toHaveLength(20);
    const sixth = await call("msk", "/api/v1/support/chats", {
      method: "POST",
      headers: { ...SAME_ORIGIN, "cf-connecting-ip": "192.0.2.77" },
      body: JSON.stringify({ name: "Виктор", phone: "+79005551234" }),
    });
    expect(sixth.status).toBe(429);
  });

  it("reconnects after the room drops its sockets and catches up from the last number it has", async () => {
    const olga = await login("olga");
    const { chat } = await json<{ chat: Chat }>(
      await api(olga, "/support/chats", { method: "POST", body: JSON.stringify({ text: "Здравствуйте" }) }),
    );
    const socket = () =>
      call("msk", `/api/v1/support/chats/${chat.id}/live`, {
        headers: { upgrade: "websocket", origin: "http://msk.kabinet.localhost", cookie: olga },
      });
    const first = await openSocket(await socket());
    const closed = new Promise<number>((resolve) => first.ws.addEventListener("close", (e) => resolve(e.code)));
    const drop = await call("msk", `/dev/support/chats/${chat.id}/drop`, { method: "POST" });
    expect(await json(drop)).toEqual({ dropped: 1, customers: 1, operators: 0 });
    expect(await closed).toBe(1012);
    // Meanwhile the operator answers.
    const maria = await operator("operator.msk");
    await maria(`/chats/${chat.id}/take`, { method: "POST" });
    await postJson(maria, `/chats/${chat.id}/messages`, { text: "Слушаю вас", clientId: "op-0000010" });
    const second = await openSocket(await socket());
    const missed = await json<{ messages: Message[] }>(await api(olga, `/support/chats/${chat.id}?after=1`));
    expect(missed.messages.map((m) => m.text)).toEqual(["Оператор Мария Орлова подключился к чату", "Слушаю вас"]);
    await postJson(maria, `/chats/${chat.id}/messages`, { text: "Что случилось?", clientId: "op-0000011" });
    expect((await second.message("Что случилось?")).author).toBe("operator");
    second.ws.close();
  });
});

describe("chat attachments", () => {
  const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const PDF = new TextEncoder().encode("%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF");
  const EXE = new Uint8Array([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0]);
  const upload = (cookie: string, chatId: string, bytes: Uint8Array, type: string, name: string) =>
    api(cookie, `/support/chats/${chatId}/attachments`, {
      method: "POST",
      body: bytes,
      headers: { "content-type": type, "x-file-name": encodeURIComponent(name) },
    });

  it("takes images and PDFs checked by their first bytes, refuses the rest and anything over 5 MB, and serves them only to the chat's parties", async () => {
    const anna = await login("anna");
    const { chat } = await json<{ chat: Chat }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "tv" }) }),
    );
    const png = await upload(anna, chat.id, PNG, "image/png", "../../экран ТВ.png");
    expect(png.status).toBe(201);
    const a = await json<{ id: string; name: string; url: string; contentType: string }>(png);
    expect(a).toMatchObject({ name: "экран ТВ.png", contentType: "image/png" });
    expect((await upload(anna, chat.id, PDF, "application/pdf", "счёт.pdf")).status).toBe(201);
    // An executable renamed to .png, a PDF declared as an image, an unknown type: 415 with the reason in Russian.
    const exe = await upload(anna, chat.id, EXE, "image/png", "photo.png");
    expect(exe.status).toBe(415);
    expect((await json<Problem>(exe)).title).toBe("Такой файл не принимается");
    expect((await upload(anna, chat.id, PDF, "image/png", "x.png")).status).toBe(415);
    expect((await upload(anna, chat.id, PNG, "text/html", "x.html")).status).toBe(415);
    const big = new Uint8Array(5 * 1024 * 1024 + 1);
    big.set(PNG);
    const tooBig = await upload(anna, chat.id, big, "image/png", "big.png");
    expect(tooBig.status).toBe(413);
    expect((await json<Problem>(tooBig)).detail).toContain("5 МБ");

    const sent = await json<Message>(
      await api(anna, `/support/chats/${chat.id}/messages`, {
        method: "POST",
        body: JSON.stringify({ attachmentId: a.id, clientId: "c-anna-file1" }),
      }),
    );
    expect(sent.attachment?.id).toBe(a.id);
    const got = await api(anna, `/support/chats/${chat.id}/attachments/${a.id}`);
    expect(got.status).toBe(200);
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toContain("sandbox");
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(PNG);
    const petr = await login("petr");
    expect((await api(petr, `/support/chats/${chat.id}/attachments/${a.id}`)).status).toBe(404);
    expect((await upload(petr, chat.id, PNG, "image/png", "x.png")).status).toBe(404);
    const maria = await operator("operator.msk");
    expect((await maria(`/chats/${chat.id}/attachments/${a.id}`)).status).toBe(200);
    expect((await (await operator("operator.spb", "spb"))(`/chats/${chat.id}/attachments/${a.id}`)).status).toBe(404);
  });

  it("keeps a chat to 20 files when 25 are sent at once: the rest are 409 and store nothing", async () => {
    // Olga's chat (her open one, which has no file yet: anna's has the tests' above).
    const olga = await login("olga");
    const { chat } = await json<{ chat: Chat }>(
      await api(olga, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "internet" }) }),
    );
    expect(await shardRows("SELECT id FROM support_attachments WHERE chat_id = ?", chat.id)).toEqual([]);
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => upload(olga, chat.id, PNG, "image/png", `${i}.png`)));
    expect(answers.filter((r) => r.status === 201)).toHaveLength(20);
    const refused = answers.filter((r) => r.status !== 201);
    expect(refused.map((r) => r.status)).toEqual([409, 409, 409, 409, 409]);
    expect((await json<Problem>(refused[0] as Response)).title).toBe("В чате уже 20 файлов");
    const files = (env as unknown as { FILES: R2Bucket }).FILES;
    const stored = await files.list({ prefix: "support/" });
    expect(stored.objects.filter((o) => o.key.includes(`/${chat.id}/`))).toHaveLength(20);
    expect(await shardRows("SELECT id FROM support_attachments WHERE chat_id = ?", chat.id)).toHaveLength(20);
  });

  it("says «ended» once when a chat is closed five times at once", async () => {
    const olga = await login("olga");
    const { chat } = await json<{ chat: Chat }>(
      await api(olga, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "internet" }) }),
    );
    const answers = await Promise.all(Array.from({ length: 5 }, () => api(olga, `/support/chats/${chat.id}/close`, { method: "POST" })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const ended = await shardRows(
      "SELECT id FROM support_messages WHERE chat_id = ? AND author = 'system' AND text LIKE '%ended%'",
      chat.id,
    );
    expect(ended).toHaveLength(1);
    expect((await json<{ chat: Chat }>(await api(olga, `/support/chats/${chat.id}`))).chat.status).toBe("closed");
  });

  it("cuts a long name at 120 characters, never inside one: the name given back and the download's are the same, whole", async () => {
    // Cut at 120 UTF-16 units, an emoji lost its second half: the answer carried a lone surrogate, the stored name a U+FFFD.
    const anna = await login("anna");
    const { chat } = await json<{ chat: Chat }>(
      await api(anna, "/support/chats", { method: "POST", body: JSON.stringify({ topic: "tv" }) }),
    );
    const res = await upload(anna, chat.id, PNG, "image/png", `a${"😀".repeat(130)}.png`);
    expect(res.status).toBe(201);
    const a = await json<{ name: string; url: string }>(res);
    // Checked first without the name in the message: half a pair cannot even be reported (the test runner's socket refuses it).
    expect(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(a.name), "half of a surrogate pair").toBe(false);
    expect(a.name).toBe(`a${"😀".repeat(119)}`);
    const got = await call("msk", a.url, { headers: { cookie: anna } });
    expect(got.status).toBe(200);
    expect(decodeURIComponent(/filename\*=UTF-8''(.+)$/.exec(got.headers.get("content-disposition") ?? "")?.[1] ?? "")).toBe(a.name);
  });
});

describe("support requests", () => {
  it("allows exactly the machine's moves to each actor", () => {
    for (const from of TICKET_STATUSES)
      for (const to of TICKET_STATUSES)
        for (const actor of ["subscriber", "operator", "system"] as const)
          expect(canMoveTicket(from, to, actor)).toBe(TICKET_TRANSITIONS[from][to]?.includes(actor) ?? false);
    expect(Object.keys(TICKET_TRANSITIONS.closed)).toEqual([]);
    expect(Object.keys(TICKET_TRANSITIONS.cancelled)).toEqual([]);
  });

  it("goes new → in work → waiting → (subscriber answers) in work → resolved → reopened → resolved → closed, each move recorded and notified", async () => {
    const anna = await login("anna");
    const created = await api(anna, "/support/tickets", {
      method: "POST",
      body: JSON.stringify({
        category: "internet",
        accountNo: ANNA_MSK,
        subject: "Падает скорость",
        text: "Каждый вечер скорость падает до 5 Мбит/с",
      }),
    });
    expect(created.status).toBe(201);
    const t = await json<Ticket>(created);
    expect(t).toMatchObject({ status: "new", region: "msk", next: ["cancelled"] });
    expect(t.number).toMatch(/^T\d{4}-\d{6}$/);
    const maria = await operator("operator.msk");
    const move = (fn: typeof maria, to: string, comment?: string) => postJson(fn, `/tickets/${t.id}/transition`, { to, comment });
    const subscriberMove = (to: string) =>
      api(anna, `/support/tickets/${t.id}/transition`, { method: "POST", body: JSON.stringify({ to }) });

    // Forbidden moves: 409 naming both statuses.
    const bad = await subscriberMove("resolved");
    expect(bad.status).toBe(409);
    expect((await json<Problem>(bad)).title).toBe("Так изменить обращение нельзя");
    expect((await move(maria, "cancelled")).status).toBe(409);
    expect((await move(maria, "resolved")).status).toBe(409);

    expect(await json<Ticket>(await move(maria, "in_work"))).toMatchObject({ status: "in_work", next: ["waiting", "resolved"] });
    expect((await subscriberMove("cancelled")).status).toBe(409); // nobody withdraws what is being worked on
    await move(maria, "waiting", "Пришлите, пожалуйста, результаты замера скорости");
    const answered = await json<Ticket>(
      await api(anna, `/support/tickets/${t.id}/comments`, {
        method: "POST",
        body: JSON.stringify({ text: "Вечером 5 Мбит/с, утром 100" }),
      }),
    );
    expect(answered.status).toBe("in_work");
    await move(maria, "resolved", "Заменили порт на коммутаторе");
    expect(await json<Ticket>(await subscriberMove("in_work"))).toMatchObject({ status: "in_work" });
    await move(maria, "resolved", "Проверили линию ещё раз");
    const done = await json<Ticket>(await subscriberMove("closed"));
    expect(done.status).toBe("closed");
    expect(done.next).toEqual([]);
    expect(done.history?.filter((e) => e.to).map((e) => `${e.from}>${e.to}:${e.actor}`)).toEqual([
      "null>new:subscriber",
      "new>in_work:operator",
      "in_work>waiting:operator",
      "waiting>in_work:subscriber",
      "in_work>resolved:operator",
      "resolved>in_work:subscriber",
      "in_work>resolved:operator",
      "resolved>closed:subscriber",
    ]);
    expect(done.history?.find((e) => e.to === "waiting")?.comment).toContain("замера");
    // Every operator move reached the subscriber (in-app inbox through the queue).
    await expect
      .poll(
        async () => (await shardRows("SELECT 1 FROM inbox WHERE subscriber_id = 'demo-anna' AND title LIKE ?", `%${t.number}%`)).length,
        { timeout: 8000 },
      )
      .toBe(4);
    expect((await api(anna, `/support/tickets/${t.id}/comments`, { method: "POST", body: JSON.stringify({ text: "ещё" }) })).status).toBe(
      409,
    );
    // Rated once; the request then says so (a page reloaded does not offer the rating again).
    const rating = async () => (await json<Ticket & { rating: number | null }>(await api(anna, `/support/tickets/${t.id}`))).rating;
    expect(await rating()).toBeNull();
    expect((await api(anna, "/support/feedback", { method: "POST", body: JSON.stringify({ rating: 4, ticketId: t.id }) })).status).toBe(
      201,
    );
    expect(await rating()).toBe(4);
    expect((await api(anna, "/support/feedback", { method: "POST", body: JSON.stringify({ rating: 4, ticketId: t.id }) })).status).toBe(
      409,
    );
  });

  it("records one move when two operators move the same request at once", async () => {
    const anna = await login("anna");
    const t = await json<Ticket>(
      await api(anna, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "billing", subject: "Двойное списание", text: "Списали абонентскую плату дважды" }),
      }),
    );
    const [a, b] = [await operator("operator.msk"), await operator("operator.msk2")];
    const results = await Promise.all([
      postJson(a, `/tickets/${t.id}/transition`, { to: "in_work" }),
      postJson(b, `/tickets/${t.id}/transition`, { to: "in_work" }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const after = await json<Ticket>(await a(`/tickets/${t.id}`));
    expect(after.history?.filter((e) => e.to === "in_work")).toHaveLength(1);
  });

  it("keeps requests between their subscriber and the operators of their region; a stranger's account is a 404", async () => {
    const anna = await login("anna");
    expect(
      (
        await api(anna, "/support/tickets", {
          method: "POST",
          body: JSON.stringify({ category: "internet", accountNo: PETR_EKB, subject: "Чужой", text: "Пробую чужой счёт" }),
        })
      ).status,
    ).toBe(404);
    const short = await api(anna, "/support/tickets", {
      method: "POST",
      body: JSON.stringify({ category: "nope", subject: "a", text: "b" }),
    });
    expect(short.status).toBe(400);
    expect((await json<Problem>(short)).errors?.map((e) => e.field).sort()).toEqual(["category", "subject", "text"]);
    const t = await json<Ticket>(
      await api(anna, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "tv", subject: "Нет каналов", text: "Пропали федеральные каналы" }),
      }),
    );
    const petr = await login("petr");
    expect((await api(petr, `/support/tickets/${t.id}`)).status).toBe(404);
    expect((await api(petr, `/support/tickets/${t.id}/comments`, { method: "POST", body: JSON.stringify({ text: "я" }) })).status).toBe(
      404,
    );
    const spb = await operator("operator.spb", "spb");
    expect((await spb(`/tickets/${t.id}`)).status).toBe(404);
    expect((await postJson(spb, `/tickets/${t.id}/transition`, { to: "in_work" })).status).toBe(404);
    const maria = await operator("operator.msk");
    expect((await postJson(maria, `/tickets/${t.id}/assign`, { operatorId: "op-east" })).status).toBe(400);
    // Who has it is the operators' to see (their console's «Ответственный»), not the subscriber's.
    expect(await json<Ticket & { operatorId?: string | null }>(await maria(`/tickets/${t.id}`))).toMatchObject({ operatorId: null });
    expect(await json(await api(anna, `/support/tickets/${t.id}`))).not.toHaveProperty("operatorId");
    const mine = await json<{ items: Ticket[] }>(await api(anna, "/support/tickets"));
    expect(mine.items.map((x) => x.id)).toContain(t.id);
    expect((await json<{ items: Ticket[] }>(await api(petr, "/support/tickets"))).items.map((x) => x.id)).not.toContain(t.id);
  });

  it("keeps a subscriber's answer sent as the operator resolves the request: a comment, not lost; on a closed one, 409", async () => {
    const anna = await login("anna");
    const t = await json<Ticket>(
      await api(anna, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "other", subject: "Вопрос", text: "Где мой договор?" }),
      }),
    );
    const maria = await operator("operator.msk");
    await postJson(maria, `/tickets/${t.id}/transition`, { to: "in_work" });
    await postJson(maria, `/tickets/${t.id}/transition`, { to: "waiting", comment: "Пришлите номер счёта" });
    // The region's shard as the answer sees it: the operator's «resolved» lands between its read and its move.
    const [{ shard: binding }] = (await shardRows<{ shard: string }>("SELECT shard FROM support_directory WHERE id = ?", t.id)) as [
      { shard: string },
    ];
    const real = (env as unknown as Record<string, D1Database>)[binding] as D1Database;
    let status = "resolved";
    const racing = new Proxy(real, {
      get(target, prop) {
        if (prop === "batch")
          return async (stmts: D1PreparedStatement[]) => {
            await target.prepare("UPDATE support_tickets SET status = ? WHERE id = ?").bind(status, t.id).run();
            return target.batch(stmts);
          };
        const v = Reflect.get(target, prop, target);
        return typeof v === "function" ? v.bind(target) : v;
      },
    });
    const racingData = createDataAccess({ ...env, [binding]: racing } as unknown as Env);
    const party = { side: "subscriber" as const, subscriberId: "demo-anna" };
    const answered = await commentTicket(racingData, async () => {}, party, t.id, "Счёт 201000000011", "ru");
    expect(answered.status).toBe("resolved");
    expect(answered.history?.at(-1)).toMatchObject({ from: null, to: null, actor: "subscriber", comment: "Счёт 201000000011" });
    // Closed meanwhile: refused in the person's language, and nothing written.
    status = "closed";
    await expect(commentTicket(racingData, async () => {}, party, t.id, "Ещё вопрос", "ru")).rejects.toMatchObject({
      status: 409,
      slug: "ticket_transition",
    });
    const history = (await json<Ticket>(await api(anna, `/support/tickets/${t.id}`))).history ?? [];
    expect(history.filter((e) => e.comment === "Ещё вопрос")).toEqual([]);
  });

  it("closes a resolved request nobody answered for a week, once", async () => {
    const anna = await login("anna");
    const t = await json<Ticket>(
      await api(anna, "/support/tickets", {
        method: "POST",
        body: JSON.stringify({ category: "other", subject: "Вопрос", text: "Как сменить тариф?" }),
      }),
    );
    const maria = await operator("operator.msk");
    await postJson(maria, `/tickets/${t.id}/transition`, { to: "in_work" });
    await postJson(maria, `/tickets/${t.id}/transition`, { to: "resolved", comment: "Ответили" });
    const data = createDataAccess(env);
    expect(await autoCloseTickets(data, SHARDS, new Date(Date.now() + 6 * 86_400_000))).toBe(0);
    expect(await autoCloseTickets(data, SHARDS, new Date(Date.now() + 8 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await autoCloseTickets(data, SHARDS, new Date(Date.now() + 8 * 86_400_000))).toBe(0);
    const closed = await json<Ticket>(await api(anna, `/support/tickets/${t.id}`));
    expect(closed.status).toBe("closed");
    expect(closed.history?.at(-1)).toMatchObject({ from: "resolved", to: "closed", actor: "system" });
  });
});

describe("operators' console", () => {
  it("signs in with a password, refuses a wrong one and foreign pages, and signs out", async () => {
    const wrong = await call("msk", "/ops/v1/support/session", {
      method: "POST",
      headers: { ...SAME_ORIGIN, "cf-connecting-ip": nextIp() },
      body: JSON.stringify({ login: "operator.msk", password: "nope" }),
    });
    expect(wrong.status).toBe(401);
    expect((await json<Problem>(wrong)).title).toBe("Неверный логин или пароль");
    expect((await call("msk", "/ops/v1/support/queue")).status).toBe(401);
    const maria = await operator("operator.msk");
    expect(await json(await maria("/me"))).toMatchObject({ name: "Мария Орлова", regions: ["msk", "mo"] });
    // A state change from another site is refused even with the cookie.
    const csrf = await maria("/logout", { method: "POST", headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    expect(csrf.status).toBe(403);
    const canned = await json<{ items: { id: string; text: string }[]; colleagues: { id: string }[] }>(await maria("/canned"));
    expect(canned.items.find((i) => i.id === "greeting")?.text).toContain("Мария Орлова");
    expect(canned.colleagues.map((c) => c.id)).toEqual(["op-msk2"]);
    expect((await maria("/logout", { method: "POST" })).status).toBe(204);
    expect((await maria("/me")).status).toBe(401);
  });
});

/** A visitor's chat in Moscow from an address of its own; its key cookie. */
async function visitorChat(text: string, name = "Гость"): Promise<{ chat: Chat & { queue?: unknown }; cookie: string }> {
  const res = await call("msk", "/api/v1/support/chats", {
    method: "POST",
    headers: { ...SAME_ORIGIN, "cf-connecting-ip": nextIp() },
    body: JSON.stringify({ topic: "internet", name, phone: "8 (900) 555-00-11", text }),
  });
  expect(res.status).toBe(201);
  const cookie = /(kab_chat=[^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] as string;
  return { chat: (await json<{ chat: Chat }>(res)).chat, cookie };
}

describe("chat in the reader's language", () => {
  it("shows each side the system lines in its own language, whoever's action wrote them", async () => {
    const { chat, cookie } = await visitorChat("Can you help me in English?");
    const maria = await operator("operator.msk");
    // The operator works in Russian; the visitor reads in English, and the other way round.
    expect((await maria(`/chats/${chat.id}/take`, { method: "POST" })).status).toBe(200);
    const lines = async (lang: "ru" | "en", as: "visitor" | "operator") => {
      const res =
        as === "visitor"
          ? await visitorCall(cookie, `/support/chats/${chat.id}?lang=${lang}`)
          : await maria(`/chats/${chat.id}?lang=${lang}`);
      return (await json<{ messages: Message[] }>(res)).messages.filter((m) => m.author === "system").map((m) => m.text);
    };
    expect(await lines("en", "visitor")).toEqual(["Мария Орлова joined the chat"]);
    expect(await lines("ru", "visitor")).toEqual(["Оператор Мария Орлова подключился к чату"]);
    await maria(`/chats/${chat.id}/transfer?lang=en`, { method: "POST", body: JSON.stringify({ operatorId: null }) });
    await maria(`/chats/${chat.id}/take?lang=en`, { method: "POST" });
    await maria(`/chats/${chat.id}/close?lang=en`, { method: "POST" });
    expect(await lines("ru", "operator")).toEqual([
      "Оператор Мария Орлова подключился к чату",
      "Чат передан в очередь: ответит первый освободившийся оператор",
      "Оператор Мария Орлова подключился к чату",
      "Чат завершён",
    ]);
    expect(await lines("en", "visitor")).toEqual([
      "Мария Орлова joined the chat",
      "The chat is back in the queue: the next free operator will answer",
      "Мария Орлова joined the chat",
      "The chat has ended",
    ]);
  });

  it("tells the live room what a system line is, so each socket's page writes it in its reader's language", async () => {
    const { chat, cookie } = await visitorChat("Нужна помощь");
    const ws = await openSocket(
      await call("msk", `/api/v1/support/chats/${chat.id}/live`, {
        headers: { upgrade: "websocket", origin: "http://msk.kabinet.localhost", cookie },
      }),
    );
    const maria = await operator("operator.msk");
    await maria(`/chats/${chat.id}/take?lang=en`, { method: "POST" });
    const line = (await ws.next("message")).message as Message & { system?: { key: string; name?: string } };
    expect(line.author).toBe("system");
    expect(line.system).toEqual({ key: "joined", name: "Мария Орлова" });
    ws.ws.close();
  });
});

describe("waiting for an operator", () => {
  /** A chat of Khabarovsk taken `takeMin` after it started and ended `handledMin` later, `agoMin` ago. */
  async function handledChat(agoMin: number, handledMin: number) {
    const db = env.DB_FAREAST;
    const id = `khv_${crypto.randomUUID().replace(/-/g, "").slice(0, 26).replace(/[w-z]/g, "v")}`;
    const closed = Date.now() - agoMin * 60_000;
    const joined = closed - handledMin * 60_000;
    const created = joined - 60_000;
    await db.batch([
      db
        .prepare(
          "INSERT INTO support_chats (id, region, visitor_name, topic, status, operator_id, operator_name, last_seq, created_at, updated_at, closed_at) VALUES (?, 'khv', 'Гость', 'other', 'closed', 'op-east', 'Денис Ким', 2, ?, ?, ?)",
        )
        .bind(id, created, closed, closed),
      db
        .prepare("INSERT INTO support_messages (id, chat_id, seq, author, text, client_id, created_at) VALUES (?, ?, 1, 'system', ?, ?, ?)")
        .bind(`${id}-1`, id, JSON.stringify({ key: "joined", name: "Денис Ким" }), `sys:${id}-1`, joined),
      db
        .prepare("INSERT INTO support_messages (id, chat_id, seq, author, text, client_id, created_at) VALUES (?, ?, 2, 'system', ?, ?, ?)")
        .bind(`${id}-2`, id, JSON.stringify({ key: "ended" }), `sys:${id}-2`, closed),
    ]);
  }

  async function khvVisitor(text: string) {
    const res = await call("khv", "/api/v1/support/chats", {
      method: "POST",
      headers: { ...SAME_ORIGIN, origin: "http://khv.kabinet.localhost", "cf-connecting-ip": nextIp() },
      body: JSON.stringify({ topic: "other", name: "Гость", phone: "8 (900) 555-00-22", text }),
    });
    expect(res.status).toBe(201);
    const cookie = /(kab_chat=[^;]+)/.exec(res.headers.get("set-cookie") ?? "")?.[1] as string;
    const { chat } = await json<{ chat: Chat }>(res);
    const get = async () =>
      json<{ chat: Chat; queue: { position: number; waitMinutes: number } | null }>(
        await call("khv", `/api/v1/support/chats/${chat.id}`, { headers: { cookie } }),
      );
    return { chat, get };
  }

  it("tells a waiting customer their place in the queue and the wait: the place times the recent average handling time", async () => {
    // Recently handled in Khabarovsk: 4 and 8 minutes, an average of 6.
    await handledChat(30, 4);
    await handledChat(90, 8);
    const first = await khvVisitor("Первый в очереди");
    const second = await khvVisitor("Второй в очереди");
    expect((await first.get()).queue).toEqual({ position: 1, waitMinutes: 6 });
    expect((await second.get()).queue).toEqual({ position: 2, waitMinutes: 12 });
    // Once the first is taken, the second moves up; a taken chat has no queue.
    const denis = await operator("operator.east", "khv");
    expect((await denis(`/chats/${first.chat.id}/take`, { method: "POST" })).status).toBe(200);
    expect((await first.get()).queue).toBeNull();
    expect((await second.get()).queue).toEqual({ position: 1, waitMinutes: 6 });
  });
});

describe("call-back requests («Перезвоните мне»)", () => {
  type Slot = { start: string; end: string };
  type Callback = {
    id: string;
    name: string;
    phone: string;
    region: string;
    slotStart: string;
    status: string;
    operatorName: string | null;
  };
  const khv = (path: string, init: RequestInit & { ip?: string; cookie?: string } = {}) =>
    call("khv", `/api/v1/support${path}`, {
      ...init,
      headers: {
        ...SAME_ORIGIN,
        origin: "http://khv.kabinet.localhost",
        "cf-connecting-ip": init.ip ?? nextIp(),
        ...(init.cookie ? { cookie: init.cookie } : {}),
      },
    });
  const slots = async () => json<{ tz: string; slots: Slot[] }>(await khv("/callbacks/slots"));
  const ask = (body: Record<string, unknown>, ip?: string) =>
    khv("/callbacks", { method: "POST", body: JSON.stringify({ topic: "internet", ...body }), ...(ip ? { ip } : {}) });

  it("offers the next free two-hour windows of the working day in the region's time zone", async () => {
    const { tz, slots: offered } = await slots();
    expect(tz).toBe("Asia/Vladivostok");
    expect(offered.length).toBeGreaterThan(0);
    for (const s of offered) {
      const [h, m] = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .format(new Date(s.start))
        .split(":")
        .map(Number);
      expect([9, 11, 13, 15, 17, 19]).toContain(h);
      expect(m).toBe(0);
      expect(Date.parse(s.end) - Date.parse(s.start)).toBe(2 * 3600_000);
      expect(Date.parse(s.start)).toBeGreaterThanOrEqual(Date.now() + 29 * 60_000);
    }
  });

  it("takes one open request per person, refuses a window not offered, and asks a visitor for a name and a phone", async () => {
    const [first] = (await slots()).slots as Slot[];
    const noName = await ask({ slotStart: first?.start });
    expect(noName.status).toBe(400);
    expect((await json<Problem>(noName)).errors?.map((e) => e.field).sort()).toEqual(["name", "phone"]);
    const night = new Date(Date.parse(first?.start ?? "") - 8 * 3600_000).toISOString();
    const wrong = await ask({ slotStart: night, name: "Ирина", phone: "8 (900) 700-00-01" });
    expect(wrong.status).toBe(400);
    expect((await json<Problem>(wrong)).title).toBe("Это время уже занято или прошло: выберите другое");

    const ok = await ask({ slotStart: first?.start, name: "Ирина", phone: "8 (900) 700-00-01" });
    expect(ok.status).toBe(201);
    const { callback } = await json<{ callback: Callback }>(ok);
    expect(callback).toMatchObject({ name: "Ирина", phone: "+79007000001", region: "khv", slotStart: first?.start, status: "open" });
    // The same person again, from elsewhere and spelt otherwise: refused in their language.
    const again = await call("khv", "/api/v1/support/callbacks?lang=en", {
      method: "POST",
      headers: { ...SAME_ORIGIN, origin: "http://khv.kabinet.localhost", "cf-connecting-ip": nextIp() },
      body: JSON.stringify({ slotStart: first?.start, name: "Ира", phone: "+7 900 700 00 01" }),
    });
    expect(again.status).toBe(409);
    expect((await json<Problem>(again)).title).toBe("You have already asked for a call back: please wait for the call");

    // Operators of the region see it and mark it done; another region's operator cannot touch it.
    const denis = await operator("operator.east", "khv");
    const queue = await json<{ callbacks: Callback[] }>(await denis("/queue"));
    expect(queue.callbacks.find((c) => c.id === callback.id)).toMatchObject({ name: "Ирина", phone: "+79007000001" });
    const maria = await operator("operator.msk");
    expect((await json<{ callbacks: Callback[] }>(await maria("/queue"))).callbacks.map((c) => c.id)).not.toContain(callback.id);
    expect((await maria(`/callbacks/${callback.id}/done`, { method: "POST" })).status).toBe(404);
    const done = await denis(`/callbacks/${callback.id}/done`, { method: "POST" });
    expect(done.status).toBe(200);
    expect((await json<{ callback: Callback }>(done)).callback).toMatchObject({ status: "done", operatorName: "Денис Ким" });
    expect((await json<{ callbacks: Callback[] }>(await denis("/queue"))).callbacks.map((c) => c.id)).not.toContain(callback.id);
    // Done, the person may ask again.
    expect((await ask({ slotStart: first?.start, name: "Ирина", phone: "8 (900) 700-00-01" })).status).toBe(201);
  });

  it("stops offering a window once it is full", async () => {
    const offered = (await slots()).slots;
    const last = offered[offered.length - 1] as Slot;
    for (let i = 0; i < 3; i++)
      expect((await ask({ slotStart: last.start, name: "Гость", phone: `8 (900) 710-00-0${i}` })).status).toBe(201);
    expect((await slots()).slots.map((s) => s.start)).not.toContain(last.start);
    expect((await ask({ slotStart: last.start, name: "Гость", phone: "8 (900) 710-00-09" })).status).toBe(400);
  });

  it("does not overbook a window when eight people ask for it at the same moment: three get it", async () => {
    const offered = (await slots()).slots;
    const window = offered[offered.length - 2] as Slot;
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ask({ slotStart: window.start, name: "Гость", phone: `8 (900) 730-00-0${i}` })),
    );
    expect(answers.map((r) => r.status).sort()).toEqual([201, 201, 201, 400, 400, 400, 400, 400]);
    const refused = await json<Problem>(answers.find((r) => r.status === 400) as Response);
    expect(refused.title).toBe("Это время уже занято или прошло: выберите другое");
    const denis = await operator("operator.east", "khv");
    const queue = await json<{ callbacks: Callback[] }>(await denis("/queue"));
    expect(queue.callbacks.filter((c) => c.slotStart === window.start)).toHaveLength(3);
  });

  it("counts a visitor's address with the throttle: five requests a day, then 429", async () => {
    const offered = (await slots()).slots;
    const ip = nextIp();
    const codes: number[] = [];
    for (let i = 0; i < 6; i++)
      codes.push((await ask({ slotStart: offered[2 + (i % 3)]?.start, name: "Гость", phone: `8 (900) 720-00-0${i}` }, ip)).status);
    expect(codes).toEqual([201, 201, 201, 201, 201, 429]);
  });

  it("calls a subscriber back on the phone of their profile, and shows them their open request", async () => {
    const anna = await login("anna");
    const first = (await json<{ slots: Slot[] }>(await api(anna, "/support/callbacks/slots"))).slots[0] as Slot;
    const res = await api(anna, "/support/callbacks", { method: "POST", body: JSON.stringify({ slotStart: first.start }) });
    expect(res.status).toBe(201);
    const mine = await json<{ callback: Callback | null }>(await api(anna, "/support/callbacks/mine"));
    expect(mine.callback).toMatchObject({ name: "Анна Иванова", phone: "+79000000001", region: "msk", slotStart: first.start });
    expect((await api(anna, "/support/callbacks", { method: "POST", body: JSON.stringify({ slotStart: first.start }) })).status).toBe(409);
    expect((await call("msk", "/api/v1/support/callbacks/mine")).status).toBe(401);
  });
});
