import { render } from "solid-js/web";
import { App } from "./app/App";
import { I18nProvider, initialLang } from "./i18n";
import { setApiLang } from "./lib/api";
import "./styles.css";

const lang = initialLang(document.cookie);
setApiLang(lang);

render(
  () => (
    <I18nProvider initial={lang}>
      <App />
    </I18nProvider>
  ),
  document.getElementById("root") as HTMLElement,
);
