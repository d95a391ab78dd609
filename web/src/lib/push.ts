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

/** Asks for permission (the caller is a click), subscribes with the server's VAPID key and registers the subscription. */
export async function enablePush(lang: "ru" | "en"): Promise<EnableResult> {
  if (!pushSupported()) return "unsupported";
  const granted = Notification.permission === "granted" || (await Notification.requestPermission()) === "granted";
  if (!granted) return "denied";
  const reg = await registration();
  const key = await notificationsApi.pushKey();
  let sub = await reg.pushManager.getSubscription();
  // A subscription made with another key (the server's keys were rotated) cannot be used.
  const current = sub?.options.applicationServerKey;
  if (
    sub &&
    current &&
    btoa(String.fromCharCode(...new Uint8Array(current)))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "") !== key
  ) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: toBytes(key) });
  const json = sub.toJSON() as { endpoint: string; keys: { p256dh: string; auth: string } };
  await notificationsApi.subscribePush({ endpoint: json.endpoint, keys: json.keys }, lang);
  return "on";
}

/** Stops pushes to this device: the server forgets it, and so does the browser. */
export async function disablePush(): Promise<void> {
  const sub = await currentSubscription();
  if (!sub) return;
  try {
    await notificationsApi.unsubscribePush(sub.endpoint);
  } finally {
    await sub.unsubscribe();
  }
}
