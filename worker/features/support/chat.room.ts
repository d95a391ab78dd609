import { DurableObject } from "cloudflare:workers";

/** Who is on a socket: the subscriber or visitor side, or an operator. */
export type ChatSide = "customer" | "operator";

/** What the room sends to its sockets (JSON). Messages and state come from the Worker; typing from the other side's socket. */
export type ChatEvent =
  | { type: "message"; message: unknown }
  | { type: "read"; side: ChatSide; seq: number }
  | { type: "typing"; side: ChatSide }
  | { type: "chat"; chat: unknown }
  | { type: "presence"; operators: number; customers: number };

interface SocketInfo {
  side: ChatSide;
}

/**
 * One support chat's live room (a Durable Object per chat): it holds the
 * WebSockets of both sides and fans events out to them. It keeps no data —
 * the messages are in D1, written by the Worker before they are published —
 * so the room may be evicted or restarted at any time; clients reconnect and
 * fetch what they missed by sequence number. Sockets use the hibernation API:
 * an idle chat costs nothing while its sockets stay open.
 */
export class ChatRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // Keep-alives are answered without waking the object.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}'));
  }

  /** The Worker has authorized the request and names the side in `x-chat-side`. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket", { status: 426 });
    const side = request.headers.get("x-chat-side") === "operator" ? "operator" : "customer";
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [side]);
    server.serializeAttachment({ side } satisfies SocketInfo);
    this.broadcastPresence();
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Sends an event to every socket of the room (RPC from the Worker). */
  publish(event: ChatEvent): number {
    const data = JSON.stringify(event);
    let sent = 0;
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(data);
        sent++;
      } catch {
        // A socket closing under us: its client reconnects and catches up.
      }
    }
    return sent;
  }

  /** Closes every socket, as a deploy or an eviction would (the dev tools use it to test reconnects). */
  drop(): { dropped: number; customers: number; operators: number } {
    const counts = { dropped: 0, ...this.presence() };
    for (const ws of this.ctx.getWebSockets()) {
      ws.close(1012, "service restart");
      counts.dropped++;
    }
    return counts;
  }

  presence(): { operators: number; customers: number } {
    return { operators: this.ctx.getWebSockets("operator").length, customers: this.ctx.getWebSockets("customer").length };
  }

  override webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): void {
    if (typeof raw !== "string" || raw.length > 200) return;
    let msg: { type?: unknown };
    try {
      msg = JSON.parse(raw) as { type?: unknown };
    } catch {
      return;
    }
    // Only typing travels socket to socket; messages and read marks go through the API (validated, stored, then published).
    if (msg.type !== "typing") return;
    const { side } = ws.deserializeAttachment() as SocketInfo;
    const data = JSON.stringify({ type: "typing", side } satisfies ChatEvent);
    for (const other of this.ctx.getWebSockets(side === "operator" ? "customer" : "operator")) {
      try {
        other.send(data);
      } catch {
        // see publish
      }
    }
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    try {
      ws.close(code === 1005 ? 1000 : code, reason);
    } catch {
      // already closed
    }
    this.broadcastPresence(ws);
  }

  override webSocketError(ws: WebSocket): void {
    this.broadcastPresence(ws);
  }

  private broadcastPresence(leaving?: WebSocket) {
    const open = this.ctx.getWebSockets().filter((w) => w !== leaving);
    const event: ChatEvent = {
      type: "presence",
      operators: open.filter((w) => (w.deserializeAttachment() as SocketInfo | null)?.side === "operator").length,
      customers: open.filter((w) => (w.deserializeAttachment() as SocketInfo | null)?.side === "customer").length,
    };
    const data = JSON.stringify(event);
    for (const w of open) {
      try {
        w.send(data);
      } catch {
        // see publish
      }
    }
  }
}
