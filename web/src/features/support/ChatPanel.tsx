import { createSignal, For, type JSX, Show } from "solid-js";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { problemOf } from "../../lib/api";
import { formatMoment } from "../../lib/format";
import { useOnline } from "../../lib/online";
import type { LiveChat } from "./createChat";
import { supportStrings } from "./strings";
import type { AttachmentDto, chatApi, MessageDto } from "./supportApi";

const ACCEPT = ["image/png", "image/jpeg", "image/webp", "application/pdf"];
const MAX_BYTES = 5 * 1024 * 1024;

function sizeText(bytes: number, lang: "ru" | "en") {
  const kb = bytes / 1024;
  return kb < 1024
    ? `${Math.max(1, Math.round(kb))} ${lang === "ru" ? "КБ" : "KB"}`
    : `${(kb / 1024).toFixed(1)} ${lang === "ru" ? "МБ" : "MB"}`;
}

function AttachmentView(props: { a: AttachmentDto }) {
  const { lang } = useI18n();
  return (
    <p class="chat__file">
      <Show when={props.a.contentType.startsWith("image/")}>
        <img src={props.a.url} alt={props.a.name} loading="lazy" width="160" />
      </Show>
      <a href={props.a.url} target="_blank" rel="noopener">
        {props.a.name}
      </a>{" "}
      <span class="muted small">{sizeText(props.a.size, lang())}</span>
    </p>
  );
}

/**
 * The conversation of one chat for either side: the log (announced politely
 * to screen readers), connection state, typing and read marks, the outbox's
 * waiting messages, and the composer with a file. `actions` adds side-specific
 * controls (take, transfer, close) above the composer.
 */
export function ChatPanel(props: {
  live: LiveChat;
  api: ReturnType<typeof chatApi>;
  side: "customer" | "operator";
  chatId: string;
  actions?: JSX.Element;
  composerExtra?: (insert: (text: string) => void) => JSX.Element;
  canWrite: boolean;
}) {
  const s = useStrings(supportStrings);
  const { lang } = useI18n();
  const online = useOnline();
  const [text, setText] = createSignal("");
  const [fileError, setFileError] = createSignal<string | null>(null);
  const [uploading, setUploading] = createSignal(false);
  const mine = (m: MessageDto) =>
    props.side === "customer" ? m.author === "subscriber" || m.author === "visitor" : m.author === "operator";
  const otherRead = () =>
    props.side === "customer" ? (props.live.chat()?.operatorReadSeq ?? 0) : (props.live.chat()?.customerReadSeq ?? 0);
  /** A system line in this reader's language (the live room sends every socket the same, Russian, copy). */
  const textOf = (m: MessageDto) => {
    const line = m.system;
    if (!line) return m.text;
    return line.key === "joined" || line.key === "passed" ? s(`sys.${line.key}`, { name: line.name }) : s(`sys.${line.key}`);
  };
  const authorLabel = (m: MessageDto) => (mine(m) ? s("you") : m.author === "system" ? s("system") : (m.authorName ?? ""));
  let input!: HTMLTextAreaElement;

  const submit = async (e?: Event) => {
    e?.preventDefault();
    const value = text();
    if (!value.trim()) return;
    setText("");
    await props.live.send(value);
    input.focus();
  };
  const onFile = async (e: Event & { currentTarget: HTMLInputElement }) => {
    const file = e.currentTarget.files?.[0];
    e.currentTarget.value = "";
    setFileError(null);
    if (!file) return;
    if (!ACCEPT.includes(file.type)) return setFileError(s("attachBad"));
    if (file.size > MAX_BYTES) return setFileError(s("attachBig"));
    setUploading(true);
    try {
      const a = await props.api.upload(props.chatId, file);
      await props.live.send(text(), a);
      setText("");
    } catch (err) {
      setFileError(problemOf(err, s("attachOffline")).title);
    } finally {
      setUploading(false);
    }
  };

  return (
    <div class="chat">
      {/* A closed chat has no connection to speak of: only that it has ended (it read «На связи» before). */}
      <Show
        when={props.live.chat()?.status !== "closed"}
        fallback={
          <p class="chat__state small" role="status" aria-live="polite" data-mode="closed">
            {s("closed")}
          </p>
        }
      >
        <p class="chat__state small" role="status" aria-live="polite" data-mode={props.live.mode()}>
          <span class={`dot dot--${props.live.mode()}`} aria-hidden="true" /> {s(`mode.${props.live.mode()}`)}
          <Show when={props.live.chat()}>
            {(c) => (
              <>
                {" · "}
                <Show when={c().operatorName} fallback={s("waiting")}>
                  {(n) => s("operator", { name: n() })}
                </Show>
                <Show when={props.live.queue()}>{(q) => <> {s("queue", { position: q().position, minutes: q().waitMinutes })}</>}</Show>
              </>
            )}
          </Show>
        </p>
      </Show>
      {/* The log scrolls, so it takes focus (keyboard users scroll it with the arrows); the list inside keeps its items. */}
      <div class="chat__log" role="log" aria-live="polite" aria-label={s("chatTitle")} tabindex="0">
        <ol class="chat__list plain">
          <For each={props.live.messages()}>
            {(m) => (
              <li class={`chat__msg chat__msg--${m.author === "system" ? "system" : mine(m) ? "mine" : "theirs"}`}>
                <p class="chat__meta small">
                  <strong>{authorLabel(m)}</strong> <time dateTime={m.createdAt}>{formatMoment(m.createdAt, lang())}</time>
                </p>
                <Show when={m.text}>
                  <p class="chat__text">{textOf(m)}</p>
                </Show>
                <Show when={m.attachment}>{(a) => <AttachmentView a={a()} />}</Show>
                <Show when={mine(m)}>
                  <p class="chat__read small muted">{otherRead() >= m.seq ? s("read") : s("delivered")}</p>
                </Show>
              </li>
            )}
          </For>
          <For each={props.live.pending()}>
            {(p) => (
              <li class="chat__msg chat__msg--mine chat__msg--pending">
                <p class="chat__meta small">
                  <strong>{s("you")}</strong>
                </p>
                <Show when={p.text}>
                  <p class="chat__text">{p.text}</p>
                </Show>
                <Show when={p.attachment}>{(a) => <p class="chat__file">{a().name}</p>}</Show>
                <Show
                  when={p.refused}
                  fallback={<p class="chat__read small muted">{props.live.mode() === "offline" ? s("queued") : s("sending")}</p>}
                >
                  {(reason) => (
                    <p class="chat__read small field__error">
                      {s("refused", { reason: reason() })}{" "}
                      <button type="button" class="link-button" onClick={() => void props.live.discard(p.clientId)}>
                        {s("discard")}
                      </button>
                    </p>
                  )}
                </Show>
              </li>
            )}
          </For>
        </ol>
      </div>
      <p class="chat__typing small muted" aria-live="polite">
        <Show when={props.live.otherTyping()}>
          {s("typing", { who: props.side === "customer" ? s("typingOperator") : s("typingCustomer") })}
        </Show>
      </p>
      {props.actions}
      <Show when={props.canWrite}>
        <form class="form chat__composer" onSubmit={submit}>
          <label class="field">
            <span>{s("message")}</span>
            <textarea
              ref={input}
              name="message"
              rows={2}
              maxlength={4000}
              value={text()}
              onInput={(e) => {
                setText(e.currentTarget.value);
                props.live.typing();
              }}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.isComposing) void submit(e);
              }}
            />
          </label>
          {props.composerExtra?.((t) => {
            setText(t);
            input.focus();
          })}
          <div class="row">
            <button type="submit" class="button button--primary">
              {s("send")}
            </button>
            <label class="button">
              {uploading() ? s("uploading") : s("attach")}
              <input
                type="file"
                class="visually-hidden"
                accept={ACCEPT.join(",")}
                disabled={!online() || uploading()}
                aria-describedby="chat-file-hint"
                onChange={(e) => void onFile(e)}
              />
            </label>
          </div>
          <small id="chat-file-hint" class="muted">
            {online() ? s("attachHint") : s("attachOffline")}
          </small>
          <Show when={fileError()}>
            <p class="field__error" role="alert">
              {fileError()}
            </p>
          </Show>
        </form>
      </Show>
    </div>
  );
}
