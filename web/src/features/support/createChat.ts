import { createSignal, onCleanup } from "solid-js";
import { type Problem, problemOf } from "../../lib/api";
import { isNetworkError, loadSnapshot, saveSnapshot } from "../../lib/offline";
import type { AttachmentDto, ChatDto, ChatQueueDto, chatApi, MessageDto } from "./supportApi";

/** How the chat is connected: a live socket, polling every few seconds (no socket), or no network at all. */
export type ChatMode = "connecting" | "live" | "polling" | "offline";

/** A message written here and not yet accepted by the server (kept on the device until it is). */
export interface PendingMessage {
  clientId: string;
  text: string;
  attachment?: AttachmentDto;
  refused?: string;
}

export const POLL_MS = 3000;
/** While waiting for an operator over a live socket, the place and the estimate are asked again this often. */
export const QUEUE_REFRESH_MS = 20_000;
const PING_MS = 25_000;
/** After this many failed sockets in a row, poll while still trying the socket now and then. */
const SOCKET_FAILURES_BEFORE_POLLING = 2;

/**
 * One chat, live: messages over a WebSocket to the chat's room, with
 * reconnection (exponential backoff with jitter) that catches up by sequence
 * number, a fallback to polling when sockets fail, and an outbox on the device
 * for messages written offline (sent, once each by their client id, when the
 * network returns). Typing and read marks are passed both ways.
 */
export function createChat(
  api: ReturnType<typeof chatApi>,
  chatId: string,
  side: "customer" | "operator",
  initialChat?: ChatDto,
  /** Keep the conversation in the subscriber's device store (wiped on logout), so it opens offline. Never for visitors or operators. */
  keepOnDevice = false,
) {
  const [chat, setChat] = createSignal<ChatDto | null>(initialChat ?? null);
  const [messages, setMessages] = createSignal<MessageDto[]>([]);
  const [pending, setPending] = createSignal<PendingMessage[]>([]);
  const [mode, setMode] = createSignal<ChatMode>(navigator.onLine ? "connecting" : "offline");
  const [otherTyping, setOtherTyping] = createSignal(false);
  const [otherHere, setOtherHere] = createSignal(false);
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const [loaded, setLoaded] = createSignal(false);
  const [queue, setQueue] = createSignal<ChatQueueDto | null>(null);
  const outboxKey = `chat-outbox:${chatId}`;
  const historyKey = `chat:${chatId}`;
  // Written at once (not debounced): the network may go, or the app close, right after a message arrives.
  const keep = () => {
    if (keepOnDevice) void saveSnapshot(historyKey, { chat: chat(), messages: messages().slice(-200) });
  };
  const fromOtherSide = (m: MessageDto) =>
    side === "customer" ? m.author === "operator" || m.author === "system" : m.author === "subscriber" || m.author === "visitor";

  let lastSeq = 0;
  let ws: WebSocket | null = null;
  let failures = 0;
  let disposed = false;
  let lastTypingSent = 0;
  let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let typingTimer: ReturnType<typeof setTimeout> | undefined;
  const queueTimer = setInterval(() => {
    if (chat()?.status === "waiting" && !pollTimer) void catchUp();
  }, QUEUE_REFRESH_MS);
  let readTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Applies a chat state unless it is older than the one shown: a slow GET sent before a take or a transfer
   * must not undo it (an operator's composer stayed hidden after taking a chat on the slower CI runner).
   */
  const applyChat = (next: ChatDto) => setChat((c) => (!c || next.updatedAt >= c.updatedAt ? { ...c, ...next } : c));

  const savePending = async (list: PendingMessage[]) => {
    setPending(list);
    await saveSnapshot(outboxKey, list);
  };

  const merge = (list: MessageDto[]) => {
    if (list.length === 0) return;
    setMessages((prev) => {
      const bySeq = new Map(prev.map((m) => [m.seq, m]));
      for (const m of list) bySeq.set(m.seq, m);
      return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    });
    lastSeq = Math.max(lastSeq, ...list.map((m) => m.seq));
    keep();
    const landed = new Set(list.map((m) => m.clientId).filter(Boolean));
    if (landed.size && pending().some((p) => landed.has(p.clientId))) void savePending(pending().filter((p) => !landed.has(p.clientId)));
    if (list.some(fromOtherSide)) {
      setOtherTyping(false);
      scheduleRead();
    }
  };

  /** Tells the other side what has been seen, once the page is visible. */
  const scheduleRead = () => {
    clearTimeout(readTimer);
    readTimer = setTimeout(() => {
      if (document.visibilityState !== "visible") return;
      const mine = side === "operator" ? chat()?.operatorReadSeq : chat()?.customerReadSeq;
      if ((mine ?? 0) >= lastSeq) return;
      const seq = lastSeq;
      api.read(chatId, seq).then(
        (r) => setChat((c) => c && (side === "operator" ? { ...c, operatorReadSeq: r.seq } : { ...c, customerReadSeq: r.seq })),
        () => {},
      );
    }, 300);
  };

  const catchUp = async () => {
    try {
      const r = await api.get(chatId, lastSeq);
      applyChat(r.chat);
      setQueue(r.queue ?? null);
      merge(r.messages);
      keep();
      setLoaded(true);
      setProblem(null);
      if (mode() === "offline") setMode(ws?.readyState === WebSocket.OPEN ? "live" : "polling");
    } catch (e) {
      if (isNetworkError(e)) setMode("offline");
      else setProblem(problemOf(e, "Error"));
    }
  };

  let flushing = false;
  /** Sends waiting messages in order; stops at the first network failure; a refused one stays with the reason. */
  const flush = async () => {
    if (flushing) return;
    flushing = true;
    try {
      for (const p of pending()) {
        if (p.refused) continue;
        try {
          const m = await api.send(chatId, {
            text: p.text,
            clientId: p.clientId,
            ...(p.attachment ? { attachmentId: p.attachment.id } : {}),
          });
          merge([m]);
          await savePending(pending().filter((x) => x.clientId !== p.clientId));
        } catch (e) {
          if (isNetworkError(e)) {
            setMode("offline");
            break;
          }
          await savePending(pending().map((x) => (x.clientId === p.clientId ? { ...x, refused: problemOf(e, "Error").title } : x)));
        }
      }
    } finally {
      flushing = false;
    }
  };

  const handle = (raw: string) => {
    let ev: { type: string; [k: string]: unknown };
    try {
      ev = JSON.parse(raw) as typeof ev;
    } catch {
      return;
    }
    if (ev.type === "message") merge([ev.message as MessageDto]);
    else if (ev.type === "chat") {
      applyChat(ev.chat as ChatDto);
      keep();
    } else if (ev.type === "read") {
      const seq = ev.seq as number;
      setChat((c) => c && (ev.side === "operator" ? { ...c, operatorReadSeq: seq } : { ...c, customerReadSeq: seq }));
    } else if (ev.type === "typing") {
      setOtherTyping(true);
      clearTimeout(typingTimer);
      typingTimer = setTimeout(() => setOtherTyping(false), 4000);
    } else if (ev.type === "presence") setOtherHere(((side === "customer" ? ev.operators : ev.customers) as number) > 0);
  };

  const startPolling = () => {
    if (pollTimer) return;
    if (navigator.onLine) setMode("polling");
    pollTimer = setInterval(() => void catchUp().then(flush), POLL_MS);
    void catchUp();
  };
  const stopPolling = () => {
    clearInterval(pollTimer);
    pollTimer = undefined;
  };

  const connect = () => {
    clearTimeout(reconnectTimer);
    if (disposed || ws) return;
    if (!navigator.onLine) {
      setMode("offline");
      return;
    }
    if (!pollTimer) setMode("connecting");
    let socket: WebSocket;
    try {
      socket = new WebSocket(api.liveUrl(chatId));
    } catch {
      startPolling();
      return;
    }
    ws = socket;
    socket.onopen = () => {
      failures = 0;
      setMode("live");
      stopPolling();
      void catchUp().then(flush);
      pingTimer = setInterval(() => socket.readyState === WebSocket.OPEN && socket.send('{"type":"ping"}'), PING_MS);
    };
    socket.onmessage = (e) => handle(String(e.data));
    socket.onclose = () => {
      clearInterval(pingTimer);
      if (ws === socket) ws = null;
      if (disposed) return;
      failures++;
      if (failures >= SOCKET_FAILURES_BEFORE_POLLING) startPolling();
      else if (mode() === "live") setMode("connecting");
      // Catch up at once (the socket may have closed with news on its way), then retry the socket with backoff.
      void catchUp();
      const delay = Math.min(30_000, 500 * 2 ** failures) * (0.75 + Math.random() / 2);
      reconnectTimer = setTimeout(connect, delay);
    };
  };

  const onOnline = () => {
    void flush();
    if (!ws) connect();
    void catchUp();
  };
  const onOffline = () => setMode("offline");
  window.addEventListener("online", onOnline);
  window.addEventListener("offline", onOffline);
  const onVisible = () => document.visibilityState === "visible" && scheduleRead();
  document.addEventListener("visibilitychange", onVisible);

  void (async () => {
    setPending((await loadSnapshot<PendingMessage[]>(outboxKey))?.data ?? []);
    if (keepOnDevice) {
      const kept = (await loadSnapshot<{ chat: ChatDto | null; messages: MessageDto[] }>(historyKey))?.data;
      if (kept) {
        const keptChat = kept.chat;
        if (keptChat) setChat((c) => (!c || keptChat.updatedAt >= c.updatedAt ? keptChat : c));
        merge(kept.messages);
      }
    }
    await catchUp();
    connect();
    void flush();
  })();

  onCleanup(() => {
    disposed = true;
    clearTimeout(reconnectTimer);
    clearTimeout(typingTimer);
    clearTimeout(readTimer);
    clearInterval(pingTimer);
    clearInterval(queueTimer);
    stopPolling();
    window.removeEventListener("online", onOnline);
    window.removeEventListener("offline", onOffline);
    document.removeEventListener("visibilitychange", onVisible);
    ws?.close(1000);
  });

  return {
    chat,
    messages,
    pending,
    mode,
    otherTyping,
    otherHere,
    problem,
    loaded,
    /** While waiting: the place in the queue and the estimated wait; null once an operator has the chat. */
    queue: () => (chat()?.status === "waiting" ? queue() : null),
    /** Queues a message (on the device first) and sends it when it can. */
    send: async (text: string, attachment?: AttachmentDto) => {
      if (!text.trim() && !attachment) return;
      await savePending([...pending(), { clientId: crypto.randomUUID(), text: text.trim(), ...(attachment ? { attachment } : {}) }]);
      await flush();
    },
    /** Drops a message the server refused. */
    discard: (clientId: string) => savePending(pending().filter((p) => p.clientId !== clientId)),
    /** "Typing…" for the other side, at most every two seconds, only over a live socket. */
    typing: () => {
      if (ws?.readyState !== WebSocket.OPEN || Date.now() - lastTypingSent < 2000) return;
      lastTypingSent = Date.now();
      ws.send('{"type":"typing"}');
    },
    refresh: catchUp,
    setChat: applyChat,
  };
}

export type LiveChat = ReturnType<typeof createChat>;
