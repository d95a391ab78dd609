import type {
  Channel,
  InboxDto,
  InboxItemDto,
  MarkReadDto,
  NotificationPrefsBody,
  NotificationPrefsDto,
  OutageDto,
  PushKeyDto,
  PushSubscribedDto,
  PushSubscriptionBody,
} from "../../../../worker/features/notifications/notifications.routes";
import { apiPut, apiRequest, apiSend, fromBoot, type Items } from "../../lib/api";

export type { Channel, InboxDto, InboxItemDto, NotificationPrefsDto, OutageDto };

/** The inbox, notification preferences, web push and outages on the subscriber's addresses. */
export const notificationsApi = {
  /** The newest page, or the one below `before` (the `nextBefore` of the page above). */
  inbox: (before?: string) => apiRequest<InboxDto>(`/api/v1/notifications${before ? `?before=${encodeURIComponent(before)}` : ""}`),
  markRead: (ids: string[] | "all") => apiSend<MarkReadDto>("POST", "/api/v1/notifications/read", ids === "all" ? { all: true } : { ids }),
  notificationPrefs: (accountNo = "*") =>
    apiRequest<NotificationPrefsDto>(`/api/v1/notifications/preferences?accountNo=${encodeURIComponent(accountNo)}`),
  setNotificationPrefs: (body: NotificationPrefsBody) => apiPut<void>("/api/v1/notifications/preferences", body),
  pushKey: () => apiRequest<PushKeyDto>("/api/v1/push/key").then((r) => r.publicKey),
  subscribePush: (sub: Omit<PushSubscriptionBody, "lang">, lang: "ru" | "en") =>
    apiSend<PushSubscribedDto>("POST", "/api/v1/push/subscriptions", { ...sub, lang }),
  unsubscribePush: (endpoint: string) => apiSend<void>("POST", "/api/v1/push/unsubscribe", { endpoint }),
  /** `notice`: `outageNotice` of the page's query (the server checks its copy of the outages against it). */
  outages: (notice = "") => {
    const ready = fromBoot("outages");
    const path = notice ? `/api/v1/outages?${notice}` : "/api/v1/outages";
    return ready ? Promise.resolve(ready) : apiRequest<Items<OutageDto>>(path).then((r) => r.items);
  },
};

/**
 * The outage notice a page's query names, when the app was opened from one (`?outage=<id>`, `?outage-resolved=<id>`),
 * as a query string ("" for none). (`toString`, not `size`: Safari before 17 has no `size`.)
 */
export function outageNotice(search: string): string {
  const from = new URLSearchParams(search);
  const told = new URLSearchParams();
  for (const key of ["outage", "outage-resolved"]) {
    const id = from.get(key);
    if (id) told.set(key, id);
  }
  return told.toString();
}
