import { A } from "@solidjs/router";
import { useI18n } from "../../i18n";

export default function NotFoundPage() {
  const { t } = useI18n();
  return (
    <>
      <h1>{t("notFound.title")}</h1>
      <A href="/">{t("notFound.back")}</A>
    </>
  );
}
