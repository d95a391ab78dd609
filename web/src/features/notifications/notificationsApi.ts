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
  /** `search`: the page's query; opened from an outage's notice, it names it, and the server checks its copy against it. */
  outages: (search = "") => {
    const ready = fromBoot("outages");
    const from = new URLSearchParams(search);
    const told = new URLSearchParams();
    for (const key of ["outage", "outage-resolved"]) {
      const id = from.get(key);
      if (id) told.set(key, id);
    }
    // (`toString`, not `size`: Safari before 17 has no `size`.)
    const path = told.toString() ? `/api/v1/outages?${told}` : "/api/v1/outages";
    return ready ? Promise.resolve(ready) : apiRequest<Items<OutageDto>>(path).then((r) => r.items);
  },
};
