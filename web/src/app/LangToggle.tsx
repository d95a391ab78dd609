import { useI18n } from "../i18n";
import { setApiLang } from "../lib/api";
import { setPreferenceCookie } from "../lib/cookies";

/** Switches between Russian and English; the choice is shared by every regional site. */
export function LangToggle(props: { baseDomain: string }) {
  const { t, lang, setLang } = useI18n();
  const toggle = () => {
    const next = lang() === "ru" ? "en" : "ru";
    setLang(next);
    setApiLang(next);
    setPreferenceCookie("lang", next, props.baseDomain);
  };
  return (
    <button type="button" class="link-button" onClick={toggle} aria-label={t("lang.switchLabel")} lang={lang() === "ru" ? "en" : "ru"}>
      {t("lang.switch")}
    </button>
  );
}
