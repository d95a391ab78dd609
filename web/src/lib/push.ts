import { notificationsApi } from "../features/notifications/notificationsApi";

/**
 * Web push on this device: the browser's subscription (its push service,
 * keys) is registered with the server for the signed-in subscriber and this
 * origin. Permission is asked only from a button the person pressed.
 */
export function pushSupported(): boolean {
  return typeof window !== "undefined" && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

export function permission(): NotificationPermission | "unsupported" {
  return pushSupported() ? Notification.permission : "unsupported";
}

async function registration(): Promise<ServiceWorkerRegistration> {
  return navigator.serviceWorker.ready;
}

export async function currentSubscription(): Promise<PushSubscription | null> {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration();
  return (await reg?.pushManager.getSubscription()) ?? null;
}

const toBytes = (b64url: string) => Uint8Array.from(atob(b64url.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

export type EnableResult = "on" | "denied" | "unsupported";

/** Who turned pushes on in this browser (a subscriber id): the subscription the browser holds is theirs. */
const OWNER = "kab_push_owner";

/**
 * Asks for permission (the caller is a click), subscribes afresh with the server's VAPID key and registers the new
 * subscription for `owner` (the signed-in subscriber). A subscription this browser already holds is dropped first,
 * wherever it came from (another person signed in here before, or the server's keys were rotated): its endpoint stops
 * working at the push service, so pushes meant for whoever registered it never reach this device again. The server
 * keeps each subscriber's devices with the subscriber (their home shard), so it cannot take an endpoint over from
 * another subscriber itself. A failure leaves the browser holding nothing the server does not know.
 */
export async function enablePush(lang: "ru" | "en", owner: string): Promise<EnableResult> {
  if (!pushSupported()) return "unsupported";
  const granted = Notification.permission === "granted" || (await Notification.requestPermission()) === "granted";
  if (!granted) return "denied";
  const reg = await registration();
  const key = await notificationsApi.pushKey();
  const old = await reg.pushManager.getSubscription();
  if (old) {
    // Ours (this subscriber's, from an earlier "on"): the server forgets it now; another's is forgotten at its next push.
    await notificationsApi.unsubscribePush(old.endpoint).catch(() => {});
    await old.unsubscribe().catch(() => false);
  }
  const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toBytes(key) });
  const json = sub.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  try {
    await notificationsApi.subscribePush({ endpoint: json.endpoint, keys: json.keys }, lang);
  } catch (e) {
    // Not registered: not kept either, so the device shows "off" and offers it again.
    await sub.unsubscribe().catch(() => false);
    throw e;
  }
  localStorage.setItem(OWNER, owner);
  return "on";
}

/**
 * Called when the signed-in subscriber is known: a subscription this browser holds for someone else (they left
 * without logging out, and now another person is signed in here) is dropped, so their pushes stop appearing on this
 * device; the person signed in is then offered pushes of their own. One from before the owner was kept is taken as
 * the signed-in subscriber's, as it always was.
 */
export async function claimPush(subscriberId: string): Promise<void> {
  const sub = await currentSubscription();
  if (!sub) return;
  const owner = localStorage.getItem(OWNER);
  if (owner === null) localStorage.setItem(OWNER, subscriberId);
  else if (owner !== subscriberId) {
    await sub.unsubscribe().catch(() => false);
    localStorage.removeItem(OWNER);
  }
}

/** Stops pushes to this device: the server forgets it, and so does the browser. */
export async function disablePush(): Promise<void> {
  const sub = await currentSubscription();
  if (!sub) return;
  try {
    await notificationsApi.unsubscribePush(sub.endpoint);
  } finally {
    await sub.unsubscribe();
    localStorage.removeItem(OWNER);
  }
}
