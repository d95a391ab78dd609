import { createUniqueId, For, Show } from "solid-js";
import { useStrings } from "../../i18n/local";
import type { SiteDto } from "./sitesApi";
import { sitesStrings } from "./sitesStrings";

/**
 * The sites an employee is limited to, as checkboxes named `name` (none ticked: no site limit). Controlled when
 * `chosen` and `onChange` are given, a plain form field otherwise.
 */
export function SiteChoice(props: {
  sites: readonly SiteDto[] | undefined;
  name: string;
  chosen?: readonly string[];
  onChange?: (ids: string[]) => void;
  /** The sites could not be loaded (the rest of the form still works). */
  failed?: boolean;
  legend?: string;
}) {
  const s = useStrings(sitesStrings);
  const id = createUniqueId();
  const toggle = (siteId: string, on: boolean) => {
    const now = new Set(props.chosen ?? []);
    if (on) now.add(siteId);
    else now.delete(siteId);
    props.onChange?.([...now].sort());
  };
  return (
    <fieldset class="sites-choice">
      <legend>{props.legend ?? s("sitesLabel")}</legend>
      <Show
        when={props.sites}
        fallback={props.failed ? <p role="alert">{s("sitesFailed")}</p> : <p class="loading">{s("sitesLoading")}</p>}
      >
        {(sites) => (
          <ul class="plain">
            <For each={sites()}>
              {(site) => (
                <li>
                  <input
                    type="checkbox"
                    id={`${id}-${site.id}`}
                    name={props.name}
                    value={site.id}
                    checked={props.chosen?.includes(site.id) ?? false}
                    onChange={(e) => toggle(site.id, e.currentTarget.checked)}
                  />{" "}
                  <label for={`${id}-${site.id}`}>{s("siteOption", { name: site.name, address: site.address, n: site.accounts })}</label>
                </li>
              )}
            </For>
          </ul>
        )}
      </Show>
    </fieldset>
  );
}
