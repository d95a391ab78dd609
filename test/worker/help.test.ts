import { describe, expect, it } from "vitest";
import { HELP_ARTICLES } from "../../worker/data/help.data";
import { call, json } from "./helpers";

type Article = { id: string; title: string; body: string; topic: string; screens: string[] };
const searchIds = async (sub: string, q: string, lang = "ru") =>
  (await json<{ items: Article[] }>(await call(sub, `/api/v1/help/search?q=${encodeURIComponent(q)}&lang=${lang}`))).items.map((a) => a.id);

describe("help centre", () => {
  it("finds articles by other forms of a word (Russian stemming) and puts the title match first", async () => {
    // «оплатить» is in no article: «оплата», «оплаты» are.
    expect(HELP_ARTICLES.some((a) => a.body.ru.includes("оплатить") || a.title.ru.includes("оплатить"))).toBe(false);
    const pay = await searchIds("msk", "оплатить");
    expect(pay[0]).toBe("pay-ways"); // «Оплата услуг» by title, then the rest by body
    expect(pay).toEqual(expect.arrayContaining(["pay-ways", "autopay", "balance-negative"]));
    expect(pay).not.toContain("tv-channels");
    expect((await searchIds("msk", "блокировку в отпуске"))[0]).toBe("voluntary-block");
    expect(await searchIds("msk", "платежи")).toEqual(expect.arrayContaining(["promised-payment", "pay-ways"]));
    expect((await searchIds("msk", "пароль забыл"))[0]).toBe("forgot-password");
    expect((await searchIds("msk", "детализации"))[0]).toBe("usage-detail");
    // ё and е are one letter for the search.
    expect(await searchIds("msk", "платёж")).toEqual(await searchIds("msk", "платеж"));
  });

  it("finds how to disconnect a service or terminate the contract, however it is asked", async () => {
    for (const q of ["расторгнуть договор", "отключить услугу", "расторжение", "как отключить интернет"])
      expect((await searchIds("msk", q))[0], q).toBe("disconnect-terminate");
    for (const q of ["terminate the contract", "disconnect a service", "how to disconnect the internet", "termination"])
      expect((await searchIds("msk", q, "en"))[0], q).toBe("disconnect-terminate");
    const article = await json<Article>(await call("msk", "/api/v1/help/articles/disconnect-terminate"));
    expect(article.title).toBe("Отключение услуги и расторжение договора");
    // The seed's steps: a block for a while, an application to disconnect for good, the termination form to leave.
    expect(article.body).toContain("«Добровольная блокировка»");
    expect(article.body).toContain("«Отключить»");
    expect(article.body).toContain("«Расторгнуть договор»");
    const linked = await json<{ items: Article[] }>(await call("msk", "/api/v1/help/articles?screen=applications"));
    expect(linked.items.map((a) => a.id)).toContain("disconnect-terminate");
  });

  it("searches in English with English stemming", async () => {
    expect((await searchIds("msk", "paying", "en"))[0]).toBe("pay-ways");
    expect((await searchIds("msk", "passwords", "en"))[0]).toBe("forgot-password");
  });

  it("returns nothing for words no article has, and refuses an empty query in the user's language", async () => {
    expect(await searchIds("msk", "квазар")).toEqual([]);
    const res = await call("msk", "/api/v1/help/search?q=%20");
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    expect(((await json(res)) as { title: string }).title).toMatch(/[а-я]/);
  });

  it("serves region-only articles only in their region and fills the region's terms", async () => {
    const vl = await json<{ items: Article[] }>(await call("vl", "/api/v1/help/articles?topic=services"));
    const msk = await json<{ items: Article[] }>(await call("msk", "/api/v1/help/articles?topic=services"));
    expect(vl.items.map((a) => a.id)).toContain("dacha-season");
    expect(msk.items.map((a) => a.id)).not.toContain("dacha-season");
    expect((await call("msk", "/api/v1/help/articles/dacha-season")).status).toBe(404);
    expect(await searchIds("msk", "дачный")).toEqual([]);
    const block = (items: Article[]) => items.find((a) => a.id === "voluntary-block")?.body ?? "";
    expect(block(msk.items)).toContain("30 дней в году, дальше 3 ₽ в день");
    expect(block(vl.items)).toContain("до 180 дней");
    expect(block(msk.items)).not.toMatch(/\{\w+\}/);
    const support = await json<Article>(await call("msk", "/api/v1/help/articles/support-channels"));
    expect(support.body).toMatch(/8 800 \d{3}-\d{2}-\d{2}/);
  });

  it("lists the articles a screen links to", async () => {
    const res = await json<{ items: Article[] }>(await call("spb", "/api/v1/help/articles?screen=block"));
    expect(res.items.map((a) => a.id)).toEqual(["voluntary-block"]);
  });

  it("is per region: the apex has none", async () => {
    expect((await call(null, "/api/v1/help/articles")).status).toBe(400);
  });
});
