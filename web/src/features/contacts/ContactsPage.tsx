import { A } from "@solidjs/router";
import { createResource, For } from "solid-js";
import { Loadable } from "../../app/Loadable";
import { useI18n } from "../../i18n";
import { useStrings } from "../../i18n/local";
import { formatPhone } from "../../lib/format";
import { useRegion } from "../region/RegionContext";
import { type ContactDto, regionApi } from "../region/regionApi";
import { contactStrings, SOCIAL, SOCIAL_B2B } from "./strings";

const PRIVATE = new Set<ContactDto["kind"]>(["regional", "connection", "support"]);

/** «Контакты и поддержка»: the region's desk and the federal lines (tap to call), chat, help, offices, social channels; business apart. */
export default function ContactsPage() {
  const { t, lang } = useI18n();
  const s = useStrings(contactStrings);
  const { region } = useRegion();
  const [contacts, { refetch }] = createResource(regionApi.contacts);
  const phones = (items: ContactDto[]) => (
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
  const channels = (items: readonly { name: string; nameEn: string; url: string }[]) => (
    <ul class="chips">
      <For each={items}>
        {(c) => (
          <li>
            <a href={c.url} target="_blank" rel="noopener noreferrer">
              {lang() === "ru" ? c.name : c.nameEn}
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
            {phones(items.filter((c) => PRIVATE.has(c.kind)))}
            <ul class="list">
              <li class="list__row">
                <span>{s("chat")}</span>
                <A href="/support">{s("chatLink")}</A>
              </li>
              <li class="list__row">
                <span>{s("help")}</span>
                <A href="/help">{s("helpLink")}</A>
              </li>
              <li class="list__row">
                <span>{s("offices")}</span>
                <A href="/offices">{s("officesLink")}</A>
              </li>
            </ul>
            <h3>{s("social")}</h3>
            {channels(SOCIAL)}
            <h2>{t("contacts.business")}</h2>
            {phones(items.filter((c) => !PRIVATE.has(c.kind)))}
            <ul class="list">
              <li class="list__row">
                <span>{s("feedback")}</span>
                <A href="/support">{s("feedbackLink")}</A>
              </li>
              <li class="list__row">
                <span>{s("b2bOffices")}</span>
                <A href="/offices?kind=b2b">{s("officesLink")}</A>
              </li>
            </ul>
            {channels(SOCIAL_B2B)}
          </>
        )}
      </Loadable>
      <p class="muted">{t("contacts.tz", { tz: region.tz })}</p>
    </>
  );
}
