import { createResource, For } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { api, type ContactDto } from "../../lib/api";
import { formatPhone } from "../../lib/format";
import { useRegion } from "../region/RegionContext";

const PRIVATE = new Set<ContactDto["kind"]>(["connection", "support"]);

/** Support and sales numbers of the region, for private and business customers. */
export default function ContactsPage() {
  const { t } = useI18n();
  const { region } = useRegion();
  const [contacts, { refetch }] = createResource(api.contacts);
  const list = (items: ContactDto[]) => (
    <ul class="list">
      <For each={items}>
        {(c) => (
          <li class="list__row">
            <span>{t(`contacts.kind.${c.kind}`)}</span>
            <a class="phone" href={`tel:${c.phone}`}>
              {formatPhone(c.phone)}
            </a>
          </li>
        )}
      </For>
    </ul>
  );
  return (
    <>
      <h1>{t("contacts.title")}</h1>
      <p>{t("contacts.lead")}</p>
      <Loadable resource={contacts} onRetry={refetch}>
        {(items) => (
          <>
            <h2>{t("contacts.private")}</h2>
            {list(items.filter((c) => PRIVATE.has(c.kind)))}
            <h2>{t("contacts.business")}</h2>
            {list(items.filter((c) => !PRIVATE.has(c.kind)))}
          </>
        )}
      </Loadable>
      <p class="muted">{t("contacts.tz", { tz: region.tz })}</p>
    </>
  );
}
