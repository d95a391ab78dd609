import { render } from "solid-js/web";
import { App } from "./app/App";
import { I18nProvider, initialLang, loadLang } from "./i18n";
import { setApiLang } from "./lib/api";
import "./styles.css";

const lang = initialLang(document.cookie);
setApiLang(lang);

// Russian is already here; English is fetched first when it was chosen.
void loadLang(lang).then(() =>
  render(
    () => (
      <I18nProvider initial={lang}>
        <App />
      </I18nProvider>
    ),
    document.getElementById("root") as HTMLElement,
  ),
);
