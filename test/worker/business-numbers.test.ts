/**
 * Issue 23, corporate mobile numbers: the organisation's numbers across its regions (assignee, ЕСИА status, the
 * month's spend against a limit), notices at 80 % and 100 % exactly once a month however many charges run at
 * once, the block at 100 % until next month or a higher limit, a lost SIM blocked and unblocked; the role matrix
 * and hostile input.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { makeFigures, type OrgFiguresMessage } from "../../worker/features/business/figures.service";
import { blockNumber, changeNumber, chargeNumber, listNumbers, monthOf } from "../../worker/features/business/numbers.service";
import type { NotificationMessage } from "../../worker/features/notifications/notifications.messages";
import { createDataAccess } from "../../worker/platform/db";
import { makeAccountNo } from "../../worker/platform/ids";
import { notifier } from "../../worker/platform/notify";
import { api, call, json, login, shardRows } from "./helpers";

const VETER = "org-demo-veter";
/** The organisation's first Moscow account: its numbers are in the demo data, and the viewer's scope holds it. */
const VETER_MSK = makeAccountNo("20190000001");

type Problem = { type: string; title: string; detail?: string; errors?: { field: string; message: string }[] };
interface NumberDto {
  msisdn: string;
  accountNo: string;
  assignee: { kind: string; name: string; subscriberId: string | null };
  esiaConfirmed: boolean;
  limitKop: number | null;
  blockAtLimit: boolean;
  spendKop: number;
  usedPct: number | null;
  status: "active" | "blocked" | "limit_reached";
}
interface NumberList {
  items: NumberDto[];
  total: number;
  unconfirmed: number;
  over80: number;
}

let seq = 0;
/** A fresh number of the organisation (its own, so tests do not share spend), assigned to the manager. */
async function freshNumber(limitKop: number | null, blockAtLimit: boolean, accountNo = VETER_MSK): Promise<string> {
  const msisdn = `+7999${String(Date.now() % 10_000).padStart(4, "0")}${String(++seq).padStart(3, "0")}`;
  await env.DB_MOSCOW.prepare(
    "INSERT INTO corporate_numbers (msisdn, account_no, assignee_kind, assignee_name, assignee_subscriber_id, esia_confirmed, limit_kop, block_at_limit, status, spend_kop, updated_at) VALUES (?, ?, 'employee', 'Дмитрий Волков', 'demo-biz-manager', 1, ?, ?, 'active', 0, ?)",
  )
    .bind(msisdn, accountNo, limitKop, blockAtLimit ? 1 : 0, Date.now())
    .run();
  return msisdn;
}

function recorder() {
  const sent: NotificationMessage[] = [];
  return { sent, notify: async (m: NotificationMessage) => void sent.push(m) };
}

const charge = (
  data: ReturnType<typeof createDataAccess>,
  notify: (m: NotificationMessage) => Promise<void>,
  msisdn: string,
  amountKop: number,
  key: string,
  at = new Date(),
) =>
  chargeNumber(data, notify, {
    accountNo: VETER_MSK,
    msisdn,
    amountKop,
    key,
    occurredAt: at,
    descriptionRu: `Мобильная связь, номер ${msisdn}`,
    descriptionEn: `Mobile, number ${msisdn}`,
  });

async function ledgerOf(msisdn: string) {
  const { results } = await env.DB_MOSCOW.prepare("SELECT amount_kop FROM ledger_entries WHERE idempotency_key LIKE ?")
    .bind(`number:${msisdn}:%`)
    .all<{ amount_kop: number }>();
  return results.map((r) => r.amount_kop);
}

async function shown(cookie: string, msisdn: string): Promise<NumberDto | undefined> {
  const list = await json<NumberList>(await api(cookie, `/business/organisations/${VETER}/numbers`));
  return list.items.find((n) => n.msisdn === msisdn);
}

const limitEvents = (sent: NotificationMessage[]) =>
  sent.flatMap((m) => (m.channel === "event" && m.kind === "number_limit" ? [`${m.subscriberId} ${m.params.threshold}`] : [])).sort();

describe("the organisation's corporate numbers", () => {
  it("lists every number across Moscow and St Petersburg with assignee, ЕСИА status, spend and limit; filters unconfirmed and over 80 %", async () => {
    const admin = await login("biz.admin");
    const res = await api(admin, `/business/organisations/${VETER}/numbers`);
    expect(res.status).toBe(200);
    const all = await json<NumberList>(res);
    expect(all.total).toBeGreaterThanOrEqual(22);
    const demo = all.items.filter((n) => /^\+79(16|21)0000/.test(n.msisdn));
    expect(demo).toHaveLength(22);
    expect(new Set(demo.map((n) => n.accountNo)).size).toBe(2);
    expect(demo.filter((n) => !n.esiaConfirmed).map((n) => n.msisdn)).toEqual([
      "+79160000104",
      "+79160000106",
      "+79160000109",
      "+79160000113",
      "+79210000202",
      "+79210000205",
    ]);
    expect(demo.find((n) => n.msisdn === "+79160000107")?.assignee).toEqual({
      kind: "device",
      name: "Терминал оплаты, склад №2",
      subscriberId: null,
    });
    expect(demo.find((n) => n.msisdn === "+79160000112")?.status).toBe("blocked");
    const unconfirmed = await json<NumberList>(await api(admin, `/business/organisations/${VETER}/numbers?esia=unconfirmed`));
    expect(unconfirmed.items.length).toBe(all.unconfirmed);
    expect(unconfirmed.items.every((n) => !n.esiaConfirmed)).toBe(true);
    const over = await json<NumberList>(await api(admin, `/business/organisations/${VETER}/numbers?over=80`));
    expect(over.items.length).toBe(all.over80);
    expect(over.items.every((n) => (n.usedPct ?? 0) >= 80)).toBe(true);
    // The demo's spend is of the month of its last history day: the number near its limit shows it this month.
    const near = demo.find((n) => n.msisdn === "+79160000103");
    if (near && near.spendKop > 0) {
      expect(near).toMatchObject({ spendKop: 213_000, limitKop: 250_000, usedPct: 85, blockAtLimit: true, status: "active" });
      expect(over.items.map((n) => n.msisdn)).toContain("+79160000103");
    }
  });

  it("assembles the list in one global round trip and one per shard its accounts are on", async () => {
    const data = createDataAccess(env);
    const list = await listNumbers(data, "demo-biz-admin", VETER, {});
    expect(list.total).toBeGreaterThanOrEqual(22);
    expect([...data.stats.byDb].map(([db, use]) => [db, use.roundTrips]).sort()).toEqual([
      ["DB", 1],
      ["DB_MOSCOW", 1],
      ["DB_NORTHWEST", 1],
      ["DB_URAL", 1],
    ]);
  });

  it("shows a limited member only the numbers of their accounts", async () => {
    const viewer = await login("biz.viewer");
    const list = await json<NumberList>(await api(viewer, `/business/organisations/${VETER}/numbers`));
    expect(list.items.length).toBeGreaterThanOrEqual(14);
    expect(new Set(list.items.map((n) => n.accountNo))).toEqual(new Set([VETER_MSK]));
  });
});

describe("who may do what with a number", () => {
  it("lets every role see; the viewer and the accountant cannot change or block (403 naming the role); a stranger gets 404 everywhere", async () => {
    const msisdn = await freshNumber(100_000, false);
    const body = JSON.stringify({ assignee: { kind: "employee", name: "Новое имя" }, limitKop: 50_000, blockAtLimit: true });
    for (const [who, role] of [
      ["biz.viewer", "наблюдатель"],
      ["biz.accountant", "бухгалтер"],
    ] as const) {
      const cookie = await login(who);
      expect((await api(cookie, `/business/organisations/${VETER}/numbers`)).status, who).toBe(200);
      for (const [method, path, b] of [
        ["PUT", `/numbers/${msisdn}`, body],
        ["POST", `/numbers/${msisdn}/block`, undefined],
        ["POST", `/numbers/${msisdn}/unblock`, undefined],
      ] as const) {
        const res = await api(cookie, `/business/organisations/${VETER}${path}`, { method, body: b });
        expect(res.status, `${who} ${method} ${path}`).toBe(403);
        expect((await json<Problem>(res)).detail).toContain(role);
      }
    }
    // A stranger (and another organisation's administrator) learns nothing, whatever the input.
    for (const who of ["anna", "petr"]) {
      const cookie = await login(who);
      expect((await api(cookie, `/business/organisations/${VETER}/numbers`)).status).toBe(404);
      for (const [method, path, b] of [
        ["PUT", `/numbers/${msisdn}`, body],
        ["PUT", "/numbers/not-a-number", "{broken"],
        ["POST", `/numbers/${msisdn}/block`, undefined],
        ["POST", `/numbers/${msisdn}/unblock`, undefined],
      ] as const) {
        const res = await api(cookie, `/business/organisations/${VETER}${path}`, { method, body: b });
        expect(res.status, `${who} ${method} ${path}`).toBe(404);
        expect(res.headers.get("content-type")).toContain("problem+json");
      }
    }
    const admin = await login("biz.admin");
    expect((await shown(admin, msisdn))?.limitKop).toBe(100_000);
  });

  it("lets the manager block a lost SIM and unblock it, each in the audit log; a blocked number is not charged", async () => {
    const msisdn = await freshNumber(100_000, false);
    const manager = await login("biz.manager");
    const blocked = await api(manager, `/business/organisations/${VETER}/numbers/${msisdn}/block`, { method: "POST" });
    expect(blocked.status).toBe(200);
    expect((await json<NumberDto>(blocked)).status).toBe("blocked");
    const data = createDataAccess(env);
    const { notify } = recorder();
    expect(await charge(data, notify, msisdn, 1_000, "lost-1")).toMatchObject({ charged: false });
    expect(await ledgerOf(msisdn)).toEqual([]);
    const unblocked = await api(manager, `/business/organisations/${VETER}/numbers/${msisdn.replace("+7", "8")}/unblock`, {
      method: "POST",
    });
    expect(unblocked.status).toBe(200);
    expect((await json<NumberDto>(unblocked)).status).toBe("active");
    expect(await charge(data, notify, msisdn, 1_000, "lost-2")).toMatchObject({ charged: true });
    const admin = await login("biz.admin");
    const audit = await json<{ items: { action: string; target: string; actor: { name: string } }[] }>(
      await api(admin, `/business/organisations/${VETER}/audit`),
    );
    const mine = audit.items.filter((e) => e.target === msisdn).map((e) => `${e.action} ${e.actor.name}`);
    expect(mine).toEqual(["number.unblocked Дмитрий Волков", "number.blocked Дмитрий Волков"]);
  });
});

describe("hostile input", () => {
  it("answers a bad number, a negative or fractional limit and an empty name with a 400 naming the field (ru, en)", async () => {
    const msisdn = await freshNumber(null, false);
    const admin = await login("biz.admin");
    const put = (path: string, body: unknown, lang = "ru") =>
      api(admin, `/business/organisations/${VETER}/numbers/${path}?lang=${lang}`, { method: "PUT", body: JSON.stringify(body) });
    const good = { assignee: { kind: "employee", name: "Иван" }, limitKop: 10_000, blockAtLimit: false };
    for (const bad of ["12345", "+7916abc0000", "%27%3B--", "+1%20202%20555%200100"]) {
      const res = await put(bad, good);
      expect(res.status, bad).toBe(400);
      expect((await json<Problem>(res)).errors?.[0]?.field).toBe("msisdn");
    }
    const en = await put("12345", good, "en");
    expect((await json<Problem>(en)).errors?.[0]?.message).toContain("mobile number");
    for (const [limitKop, field] of [
      [-100, "limitKop"],
      [10.5, "limitKop"],
      ["1000", "limitKop"],
    ] as const) {
      const res = await put(msisdn, { ...good, limitKop });
      expect(res.status, String(limitKop)).toBe(400);
      expect((await json<Problem>(res)).errors?.map((e) => e.field)).toContain(field);
    }
    const empty = await put(msisdn, { ...good, assignee: { kind: "employee", name: "   " } });
    expect(empty.status).toBe(400);
    const notMember = await put(msisdn, { ...good, assignee: { kind: "employee", name: "Анна", subscriberId: "demo-anna" } });
    expect(notMember.status).toBe(400);
    expect((await json<Problem>(notMember)).errors?.[0]?.field).toBe("assignee.subscriberId");
    // A number that is none of the organisation's is simply not found.
    expect((await put("+79990000000", good)).status).toBe(404);
    expect((await shown(admin, msisdn))?.limitKop).toBeNull();
  });
});

describe("the monthly spend limit", () => {
  it("notifies the administrators and the assignee at 80 % and at 100 % exactly once under concurrent charges, and blocks at 100 %", async () => {
    const msisdn = await freshNumber(50_000, true);
    const data = createDataAccess(env);
    const { sent, notify } = recorder();
    // Twelve charges of 50 ₽ at once against a limit of 500 ₽.
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => charge(data, notify, msisdn, 5_000, `c${i}`)));
    expect(results.filter((r) => r.charged)).toHaveLength(10);
    expect(await ledgerOf(msisdn)).toEqual(Array(10).fill(-5_000));
    expect(limitEvents(sent)).toEqual(["demo-biz-admin 100", "demo-biz-admin 80", "demo-biz-manager 100", "demo-biz-manager 80"]);
    const hundred = sent.find((m) => m.channel === "event" && m.params.threshold === 100);
    expect(hundred).toMatchObject({ params: { msisdn, spendKop: 50_000, limitKop: 50_000, blocked: 1, orgId: VETER } });
    // Blocked at 100 %: shown so, and no further charge until next month or a higher limit.
    const admin = await login("biz.admin");
    expect(await shown(admin, msisdn)).toMatchObject({ status: "limit_reached", spendKop: 50_000, usedPct: 100 });
    expect(await charge(data, notify, msisdn, 5_000, "later")).toMatchObject({ charged: false });
    // A repeated key charges nothing either, and nobody hears twice.
    expect(await charge(data, notify, msisdn, 5_000, "c0")).toMatchObject({ charged: false });
    expect(limitEvents(sent)).toHaveLength(4);
  });

  it("without the block at 100 % keeps charging past the limit, still notifying once per threshold", async () => {
    const msisdn = await freshNumber(10_000, false);
    const data = createDataAccess(env);
    const { sent, notify } = recorder();
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => charge(data, notify, msisdn, 3_000, `n${i}`)));
    expect(results.every((r) => r.charged)).toBe(true);
    expect(limitEvents(sent)).toEqual(["demo-biz-admin 100", "demo-biz-admin 80", "demo-biz-manager 100", "demo-biz-manager 80"]);
    expect(await shown(await login("biz.admin"), msisdn)).toMatchObject({ status: "active", spendKop: 18_000, usedPct: 180 });
  });

  it("starts again next month: the spend resets, a limit-blocked number is served, the notices come again", async () => {
    const msisdn = await freshNumber(10_000, true);
    const data = createDataAccess(env);
    const { sent, notify } = recorder();
    const now = new Date();
    expect(await charge(data, notify, msisdn, 10_000, "m1", now)).toMatchObject({ charged: true });
    expect(await charge(data, notify, msisdn, 100, "m1-more", now)).toMatchObject({ charged: false });
    const next = new Date(now.getTime() + 32 * 86_400_000);
    expect(monthOf("msk", next)).not.toBe(monthOf("msk", now));
    expect(await charge(data, notify, msisdn, 8_000, "m2", next)).toMatchObject({ charged: true });
    const row = await env.DB_MOSCOW.prepare("SELECT spend_month, spend_kop FROM corporate_numbers WHERE msisdn = ?")
      .bind(msisdn)
      .first<{ spend_month: string; spend_kop: number }>();
    expect(row).toEqual({ spend_month: monthOf("msk", next), spend_kop: 8_000 });
    const events = sent.flatMap((m) => (m.channel === "event" ? [m.eventId] : []));
    expect(events.filter((e) => e.endsWith(`${monthOf("msk", next)}:80`))).toHaveLength(2);
    expect(events.filter((e) => e.endsWith(`${monthOf("msk", now)}:100`))).toHaveLength(2);
  });

  it("serves a limit-blocked number again when the manager raises its limit, and notifies at once when a lower limit is already reached", async () => {
    const msisdn = await freshNumber(10_000, true);
    const data = createDataAccess(env);
    const { notify } = recorder();
    await charge(data, notify, msisdn, 10_000, "r1");
    const manager = await login("biz.manager");
    expect((await shown(manager, msisdn))?.status).toBe("limit_reached");
    const put = (limitKop: number) =>
      api(manager, `/business/organisations/${VETER}/numbers/${msisdn}`, {
        method: "PUT",
        body: JSON.stringify({ assignee: { kind: "device", name: "Терминал оплаты, склад №5" }, limitKop, blockAtLimit: true }),
      });
    const raised = await put(20_000);
    expect(raised.status).toBe(200);
    expect(await json<NumberDto>(raised)).toMatchObject({
      status: "active",
      usedPct: 50,
      limitKop: 20_000,
      assignee: { kind: "device", name: "Терминал оплаты, склад №5", subscriberId: null },
    });
    expect(await charge(data, notify, msisdn, 6_000, "r2")).toMatchObject({ charged: true });
    // Lowered below the spend: blocked at once.
    expect(await json<NumberDto>(await put(15_000))).toMatchObject({ status: "limit_reached", usedPct: 106 });
    const admin = await login("biz.admin");
    const audit = await json<{ items: { action: string; target: string; details: { limitKop: number } }[] }>(
      await api(admin, `/business/organisations/${VETER}/audit`),
    );
    expect(audit.items.filter((e) => e.target === msisdn && e.action === "number.changed").map((e) => e.details.limitKop)).toEqual([
      15_000, 20_000,
    ]);
  });

  it("puts the notices on the notifications queue: the administrator's and the assignee's inbox, not the accountant's", async () => {
    const msisdn = await freshNumber(10_000, false);
    const data = createDataAccess(env);
    await charge(data, notifier(env), msisdn, 8_500, "inbox-1");
    const eventId = `number-limit:${msisdn}:${monthOf("msk", new Date())}:80`;
    const inbox = () =>
      shardRows<{ subscriber_id: string; title: string }>("SELECT subscriber_id, title FROM inbox WHERE event_id = ?", eventId).then((r) =>
        r.sort((a, b) => a.subscriber_id.localeCompare(b.subscriber_id)),
      );
    await expect.poll(async () => (await inbox()).length, { timeout: 15_000 }).toBe(2);
    expect(await inbox()).toEqual([
      { subscriber_id: "demo-biz-admin", title: `Номер ${msisdn}: 80% лимита` },
      { subscriber_id: "demo-biz-manager", title: `Номер ${msisdn}: 80% лимита` },
    ]);
  });
});

describe("the operators' API", () => {
  const ops = (path: string, method: string, body: unknown, token = env.OPERATOR_TOKEN) =>
    call(null, `/ops/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  it("records a user's ЕСИА confirmation: the number is no longer among the unconfirmed, and the log says the operator did it", async () => {
    const msisdn = await freshNumber(null, false);
    await env.DB_MOSCOW.prepare("UPDATE corporate_numbers SET esia_confirmed = 0 WHERE msisdn = ?").bind(msisdn).run();
    const admin = await login("biz.admin");
    const before = await json<NumberList>(await api(admin, `/business/organisations/${VETER}/numbers?esia=unconfirmed`));
    expect(before.items.map((n) => n.msisdn)).toContain(msisdn);
    const res = await ops(`/business/numbers/${msisdn}/esia`, "PUT", { accountNo: VETER_MSK, confirmed: true });
    expect(res.status).toBe(200);
    expect((await json<NumberDto>(res)).esiaConfirmed).toBe(true);
    const after = await json<NumberList>(await api(admin, `/business/organisations/${VETER}/numbers?esia=unconfirmed`));
    expect(after.items.map((n) => n.msisdn)).not.toContain(msisdn);
    expect(after.unconfirmed).toBe(before.unconfirmed - 1);
    const audit = await json<{ items: { action: string; target: string; actor: { name: string; operator: boolean } }[] }>(
      await api(admin, `/business/organisations/${VETER}/audit`),
    );
    expect(audit.items.find((e) => e.target === msisdn)).toMatchObject({
      action: "number.esia_confirmed",
      actor: { name: "Оператор (API)", operator: true },
    });
    // Another account's number, a bad number, no token.
    expect(
      (await ops(`/business/numbers/${msisdn}/esia`, "PUT", { accountNo: makeAccountNo("20100000001"), confirmed: true })).status,
    ).toBe(404);
    expect((await ops("/business/numbers/12345/esia", "PUT", { accountNo: VETER_MSK, confirmed: true })).status).toBe(400);
    expect((await ops(`/business/numbers/${msisdn}/esia`, "PUT", { accountNo: VETER_MSK, confirmed: true }, "wrong")).status).toBe(401);
  });

  it("takes the billing side's charges of a number once per key, and says why one is refused", async () => {
    const msisdn = await freshNumber(10_000, true);
    const charge = (key: string, amountKop: number) =>
      ops(`/business/numbers/${msisdn}/charges`, "POST", { accountNo: VETER_MSK, amountKop, key });
    const first = await json<{ charged: boolean; reason: string | null; number: NumberDto }>(await charge("cdr-1", 4_000));
    expect(first).toMatchObject({ charged: true, reason: null, number: { spendKop: 4_000, usedPct: 40 } });
    expect(await json(await charge("cdr-1", 4_000))).toMatchObject({ charged: false, reason: "repeated", number: { spendKop: 4_000 } });
    expect(await json(await charge("cdr-2", 7_000))).toMatchObject({ charged: true, number: { status: "limit_reached", usedPct: 110 } });
    expect(await json(await charge("cdr-3", 100))).toMatchObject({ charged: false, reason: "limit_reached" });
    expect(await ledgerOf(msisdn)).toEqual([-4_000, -7_000]);
    expect((await charge("cdr-4", -5)).status).toBe(400);
    expect((await ops(`/business/numbers/${msisdn}/charges`, "POST", { accountNo: "201000000011", amountKop: 100, key: "x" })).status).toBe(
      404,
    );
  });
});

describe("the same block many times at once", () => {
  it("answers each with the number blocked, and the audit has the block once", async () => {
    const msisdn = await freshNumber(null, false);
    const actor = { subscriberId: "demo-biz-admin", address: "192.0.2.1" };
    const answers = await Promise.all(Array.from({ length: 10 }, () => blockNumber(createDataAccess(env), actor, VETER, msisdn, true)));
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 10 }, () => "blocked"));
    const entries = await env.DB.prepare(
      "SELECT count(*) AS n FROM org_audit WHERE org_id = ? AND action = 'number.blocked' AND target = ?",
    )
      .bind(VETER, msisdn)
      .first<{ n: number }>();
    expect(entries?.n).toBe(1);
    // And unblocked twice at once: both answers say active.
    const unblocked = await Promise.all([0, 1].map(() => blockNumber(createDataAccess(env), actor, VETER, msisdn, false)));
    expect(unblocked.map((a) => a.status)).toEqual(["active", "active"]);
  });
});

describe("an organisation whose accounts are on more shards than a request reads", () => {
  it("lists its numbers from the snapshot, finds a number's shard by it to change and block it, and reads what the snapshot lacks now", async () => {
    const admin = "demo-biz-admin";
    const sent: OrgFiguresMessage[] = [];
    const queue = { send: async (m: OrgFiguresMessage) => void sent.push(m) } as unknown as Queue;
    // One shard read or looked on at once at most: Северный ветер's accounts are on three.
    const sources = { files: env.FILES, queue, maxShards: 1, maxLookupShards: 1 };
    const deps = { data: createDataAccess(env), files: env.FILES, queue };
    const runChain = async (now: Date) => {
      for (let i = sent.length - 1; i < sent.length && i < 40; i++) await makeFigures(deps, sent[i] as OrgFiguresMessage, now, 3);
    };
    const t0 = new Date();
    // No numbers snapshot yet (a balances snapshot does not carry them): a 503, and one chain.
    await expect(listNumbers(createDataAccess(env), admin, VETER, {}, t0, sources)).rejects.toMatchObject({
      status: 503,
      slug: "figures_preparing",
    });
    expect(sent).toHaveLength(1);
    await runChain(t0);
    const snap = await listNumbers(createDataAccess(env), admin, VETER, {}, t0, sources);
    const now = await listNumbers(createDataAccess(env), admin, VETER, {}, t0);
    expect(snap.figuresAt).toBe(t0.toISOString());
    expect(now.figuresAt).toBeNull();
    expect(snap.items).toEqual(now.items);
    expect(snap.total).toBe(now.total);
    expect(snap.total).toBeGreaterThan(0);
    // A member limited to a site sees through the snapshot only their accounts' numbers, as read now.
    const viewerSnap = await listNumbers(createDataAccess(env), "demo-biz-viewer", VETER, {}, t0, { ...sources, maxShards: 0 });
    const viewerNow = await listNumbers(createDataAccess(env), "demo-biz-viewer", VETER, {}, t0);
    expect(viewerSnap.items).toEqual(viewerNow.items);
    expect(viewerSnap.total).toBeLessThan(now.total);

    // A change finds the number's shard by the snapshot and reads it there now.
    const target = now.items[0] as NumberDto;
    const actor = { subscriberId: admin, address: "192.0.2.1" };
    const changed = await changeNumber(
      createDataAccess(env),
      recorder().notify,
      actor,
      VETER,
      target.msisdn,
      { assignee: { kind: "device", name: "Терминал на складе" }, limitKop: 123_00, blockAtLimit: false },
      undefined,
      t0,
      sources,
    );
    expect(changed).toMatchObject({ msisdn: target.msisdn, limitKop: 123_00, assignee: { name: "Терминал на складе" } });
    expect((await listNumbers(createDataAccess(env), admin, VETER, {}, t0)).items.find((n) => n.msisdn === target.msisdn)).toMatchObject({
      limitKop: 123_00,
    });

    // Another organisation's number on a shard of this one's accounts (the Urals): a 404 through the snapshot too.
    const smirnovAccount = (
      await env.DB.prepare("SELECT min(account_no) AS a FROM org_accounts WHERE org_id = 'org-demo-smirnov'").first<{ a: string }>()
    )?.a;
    const foreign = "+79997770001";
    await env.DB_URAL.prepare(
      "INSERT INTO corporate_numbers (msisdn, account_no, assignee_kind, assignee_name, esia_confirmed, block_at_limit, status, spend_kop, updated_at) VALUES (?, ?, 'employee', 'Пётр', 1, 0, 'active', 0, ?)",
    )
      .bind(foreign, smirnovAccount, Date.now())
      .run();
    await expect(blockNumber(createDataAccess(env), actor, VETER, foreign, true, undefined, t0, sources)).rejects.toMatchObject({
      status: 404,
    });
    await expect(blockNumber(createDataAccess(env), actor, VETER, "+7 900 000-00-00", true, undefined, t0, sources)).rejects.toMatchObject({
      status: 404,
    });

    // A number given since to an account the snapshot has: a minute on, not found where the snapshot says, so a new
    // snapshot is made (a 503); with it, the number is blocked.
    const given = await freshNumber(null, false);
    const later = new Date(t0.getTime() + 2 * 60_000);
    const before = sent.length;
    await expect(blockNumber(createDataAccess(env), actor, VETER, given, true, undefined, later, sources)).rejects.toMatchObject({
      status: 503,
    });
    expect(sent.length).toBe(before + 1);
    await runChain(later);
    expect(await blockNumber(createDataAccess(env), actor, VETER, given, true, undefined, later, sources)).toMatchObject({
      msisdn: given,
      status: "blocked",
    });

    // An account the snapshot does not have (gained since): its numbers listed once, read now, and found to block.
    const fresh = await freshNumber(null, false);
    const stored = (await (await env.FILES.get(`org-numbers/${VETER}.json`))?.json()) as { at: number; accounts: string[] };
    await env.FILES.put(
      `org-numbers/${VETER}.json`,
      JSON.stringify({ ...stored, accounts: stored.accounts.filter((a) => a !== VETER_MSK) }),
    );
    const listed = (await listNumbers(createDataAccess(env), admin, VETER, {}, later, sources)).items.map((n) => n.msisdn);
    expect(listed).toContain(fresh);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.length).toBe((await listNumbers(createDataAccess(env), admin, VETER, {}, later)).total);
    expect(await blockNumber(createDataAccess(env), actor, VETER, fresh, true, undefined, later, sources)).toMatchObject({
      msisdn: fresh,
      status: "blocked",
    });
  });
});
