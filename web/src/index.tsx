import { render } from "solid-js/web";
import { App } from "./app/App";
import { preloadScreen } from "./app/routes";
import { I18nProvider, initialLang, loadLang } from "./i18n";
import { setApiLang } from "./lib/api";
import "./styles.css";

const lang = initialLang(document.cookie);
setApiLang(lang);

// Russian is already here; English is fetched first when it was chosen. The screen being opened, if it is a
// lazy one, is fetched at the same time, so the first render draws it.
void Promise.all([loadLang(lang), preloadScreen(location.pathname)]).then(() =>
  render(
    () => (
      <I18nProvider initial={lang}>
        <App />
      </I18nProvider>
    ),
    document.getElementById("root") as HTMLElement,
  ),
);
