// The auditor's console (#/audit): the global event log, the hash chain's verification, the personal-data read
// audit, and any view as of a moment. Four parts of one page, chosen by ?part=; every filter and the page's
// cursor live in the URL, so a reload or a shared link shows the same. The API decides who may ask (the audit
// office); a filter the API refuses is shown with the API's own message, beside the form that sent it.

import { gql } from "./api.js";
import { h } from "./dom.js";
import { downloadButtons } from "./downloads.js";
import { addText, codes, departmentName, formatCount, formatDate, formatDateTime, label, streetName, t } from "./i18n.js";

addText({
  navAudit: ["审计", "Audit"],
  auditTitle: ["审计控制台", "Audit console"],
  auditParts: ["审计功能", "Audit parts"],
  auditLog: ["事件日志", "Event log"],
  auditChain: ["链校验", "Chain verification"],
  auditReads: ["个人信息查阅记录", "Personal-data reads"],
  auditAsOf: ["历史视图", "View as of a time"],
  auditLogNote: ["全部业务事件，按全局序号排列；记录时间为北京时间。", "Every business event in global order; recording times in Beijing time."],
  auditOrganization: ["社会组织", "Organization"],
  auditEventType: ["事件类型", "Event type"],
  auditActor: ["操作人（用户名）", "Actor (username)"],
  auditSince: ["记录时间起（含，北京时间）", "Recorded from (Beijing time)"],
  auditUntil: ["记录时间止（不含，北京时间）", "Recorded before (Beijing time)"],
  auditFromPosition: ["序号起", "From position"],
  auditToPosition: ["序号止", "To position"],
  auditAllOfKind: ["{kind}（全部）", "{kind} (all)"],
  auditPosition: ["序号", "Position"],
  auditOrgLink: ["组织", "Organization"],
  auditUpTo: ["日志已包含至序号 {n} 的事件", "The log holds events up to position {n}"],
  auditShown: ["本页 {n} 条", "{n} on this page"],
  auditFirstPage: ["第一页", "First page"],
  auditNoEvents: ["没有符合条件的事件。", "No event matches."],
  auditRefused: ["接口拒绝了该查询", "The API refused the query"],
  auditRun: ["运行校验", "Run verification"],
  auditRunning: ["正在校验整条链…", "Walking the whole chain…"],
  auditChainNote: [
    "重新计算每个已封存事件的哈希，并核对存储的签名检查点。",
    "Recomputes the hash of every sealed event and checks the stored signed checkpoints.",
  ],
  auditIntact: ["链完整", "Chain intact"],
  auditBroken: ["链已被改动", "Chain tampered with"],
  auditFirstBad: ["第一个问题位于序号 {n}", "First problem at position {n}"],
  auditAlgorithm: ["哈希算法", "Hash algorithm"],
  auditSealedHead: ["已封存至序号", "Sealed head"],
  auditStoreHead: ["存储至序号", "Stored head"],
  auditSealed: ["已重新计算", "Hashes recomputed"],
  auditUnsealed: ["尚未封存", "Not yet sealed"],
  auditCheckpointsChecked: ["已核对检查点", "Checkpoints checked"],
  auditSeconds: ["用时（秒）", "Seconds"],
  auditFindings: ["发现的问题", "Findings"],
  auditKind: ["类型", "Kind"],
  auditDetail: ["说明", "Detail"],
  auditCheckpoints: ["签名检查点", "Signed checkpoints"],
  auditNoCheckpoints: ["尚无存储的检查点（lianjian checkpoint 可生成）。", "No stored checkpoint yet (lianjian checkpoint makes one)."],
  auditHash: ["哈希", "Hash"],
  auditCreatedAt: ["签署时间", "Signed at"],
  auditKey: ["密钥", "Key"],
  auditAgrees: ["一致", "Agrees"],
  auditReadsNote: ["谁在何时、通过什么看到了哪个组织的个人信息（身份证号、电话）。", "Who was shown which organization's personal data (ID and phone numbers), when and through what."],
  auditUsername: ["查阅人（用户名）", "Reader (username)"],
  auditReadAt: ["查阅时间", "Read at"],
  auditReader: ["查阅人", "Reader"],
  auditWhat: ["查阅途径", "Through"],
  auditVia: ["渠道", "Via"],
  auditNoReads: ["没有符合条件的查阅记录。", "No read matches."],
  auditView: ["视图", "View"],
  auditTable: ["数据表", "Table"],
  auditAt: ["时间点（北京时间）", "As of (Beijing time)"],
  auditStreet: ["街道", "Street"],
  auditShow: ["查看", "Show"],
  auditAsOfNote: [
    "按所选时间点之前记录的全部事件重建视图（不影响现有视图）。",
    "Rebuilds the view from every event recorded up to the chosen time (the live views are untouched).",
  ],
  auditAsOfPick: ["请选择视图和时间点。", "Choose a view and a time."],
  auditReplaying: ["正在重建视图…", "Rebuilding the view…"],
  auditAsOfAt: ["{view} 截至 {at}：已应用至序号 {n}", "{view} as of {at}: events applied up to position {n}"],
  auditTableRows: ["各表行数", "Rows per table"],
  auditRows: ["行数", "Rows"],
  auditHasMore: ["只显示前 {n} 行；可按组织或街道缩小范围。", "Only the first {n} rows are shown; narrow by organization or street."],
  auditNoRows: ["该时间点该表没有符合条件的行。", "No matching row at that time."],
});

const PARTS = [["log", "auditLog"], ["chain", "auditChain"], ["reads", "auditReads"], ["asof", "auditAsOf"]];
const LOG_SIZE = 50;
const READS_SIZE = 50;
const ASOF_ROWS = 200;

const EVENT_LOG = `query AuditLog($filter: EventLogFilter, $after: Int!, $first: Int!) {
  eventLog(filter: $filter, after: $after, first: $first) {
    hasNextPage nextAfter upTo
    events { position eventId type organizationId recordedAt occurredOn actor { username department role } reason legalBasis data }
  }
}`;
const VERIFY = `query AuditVerify { verifyChain {
  intact algorithm sealedHead storeHead sealed unsealed firstUnsealed checkpointsChecked totalFindings seconds
  firstFinding { kind position detail } findings { kind position detail }
  checkpoints { position hash algorithm createdAt keyId problem }
} }`;
const READS = `query AuditReads($first: Int!, $after: Int!, $org: ID, $user: String) {
  personalDataReads(first: $first, after: $after, organizationId: $org, username: $user) {
    hasNextPage nextAfter
    reads { position readAt userId username department organizationId organizationName what via }
  }
}`;
const VIEWS = `query AuditViews { auditViews { name tables { name byOrganization byStreet } } }`;
const AS_OF = `query AuditAsOf($view: String!, $at: DateTime!, $table: String, $first: Int!, $org: ID, $street: String) {
  viewAsOf(view: $view, at: $at, table: $table, first: $first, organizationId: $org, street: $street) {
    view at position table rows hasMore tables { table rows }
  }
}`;

const seconds = (value) => formatDateTime(value, { seconds: true });

/** The URL's value of each key ("" when absent). */
function valuesOf(params, keys) {
  return Object.fromEntries(keys.map((key) => [key, params.get(key) || ""]));
}

/** Integer text from the URL as a number for the API; other text as it is, so that the API says what is wrong. */
function number(text) {
  return /^-?\d+$/.test(text) ? Number(text) : text;
}

function field(id, text, control) {
  return h("div", { class: "field" }, h("label", { for: id }, text), control);
}

function select(id, name, value, options, any = true) {
  return h("select", { id, name },
    any ? h("option", { value: "" }, t("filterAny")) : null,
    options.map(([code, shown]) => h("option", { value: code, selected: code === value }, shown)));
}

function input(id, name, value, type = "text", extra = {}) {
  return h("input", { id, name, type, value, autocomplete: "off", ...extra });
}

/** A filter form: on submit, its fields (and the part) become the URL; paging restarts. */
function filterForm(shell, part, keys, fields, title) {
  const form = h("form", {
    class: "filters card", role: "search", "aria-label": title, id: `audit-${part}-form`,
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      shell.go("/audit", new URLSearchParams([["part", part], ...keys.map((key) => [key, String(data.get(key) || "").trim()])]));
    },
  }, fields,
  h("div", { class: "field actions" },
    h("button", { type: "submit", class: "button primary" }, t("apply")),
    h("button", { type: "button", class: "button", onclick: () => shell.go("/audit", new URLSearchParams({ part })) }, t("reset"))));
  return form;
}

/** What the API said when it refused: its message, as the page's answer. */
function refused(error) {
  return h("p", { class: "notice", role: "alert", id: "audit-error" },
    t("labelled", { label: t("auditRefused"), text: error.message }));
}

/** The organization filter lists every organization by name (the URL keeps its id). */
async function fillOrganizations(shell, token, control, current) {
  let nodes;
  try {
    nodes = await shell.orgIndex(null);
  } catch {
    return; // the filter keeps the one chosen
  }
  if (!shell.stillCurrent(token)) return;
  const sorted = [...nodes].sort((a, b) => a.name.localeCompare(b.name, "zh-CN"));
  control.replaceChildren(h("option", { value: "" }, t("filterAny")),
    ...sorted.map((n) => h("option", { value: n.id, selected: n.id === current }, n.name)));
}

/** The pager of a cursor page: back to the first page, or on after the last position shown. */
function pager(shell, part, values, page) {
  const at = (after) => new URLSearchParams({ part, ...values, after: after ? String(after) : "" });
  return h("nav", { class: "pager", "aria-label": t("auditParts") },
    h("button", { type: "button", class: "button", disabled: !Number(values.after), onclick: () => shell.go("/audit", at(0)) },
      t("auditFirstPage")),
    h("button", {
      type: "button", class: "button", id: "audit-next", disabled: !page.hasNextPage,
      onclick: () => shell.go("/audit", at(page.nextAfter)),
    }, t("next")));
}

function dataTable(id, caption, headers, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "data compact stack-table", id },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", null, h("tr", null, headers.map((text) => h("th", { scope: "col" }, text)))),
    h("tbody", null, rows.map((cells) => h("tr", null, cells.map((value, i) =>
      h("td", { "data-label": headers[i] }, value === null || value === undefined || value === "" ? "—" : value)))))));
}

// -- the event log ---------------------------------------------------------------------------------------------

// URL key -> the EventLogFilter field it fills (positions as numbers).
const LOG_FILTER = [["org", "organizationId"], ["type", "type"], ["department", "department"], ["actor", "actor"],
  ["since", "since"], ["until", "until"], ["from", "fromPosition", number], ["to", "toPosition", number]];
const LOG_KEYS = LOG_FILTER.map(([key]) => key);

function eventTypeOptions() {
  const types = codes("event");
  const kinds = [...new Set(types.map((type) => type.split(".")[0]))];
  return [...kinds.map((kind) => [kind, t("auditAllOfKind", { kind })]), ...types.map((type) => [type, `${label("event", type)} (${type})`])];
}

async function logPart(shell, params, token, body) {
  const values = valuesOf(params, LOG_KEYS);
  const after = params.get("after") || "";
  const orgSelect = select("a-org", "org", values.org, values.org ? [[values.org, values.org]] : []);
  const form = filterForm(shell, "log", LOG_KEYS, [
    field("a-org", t("auditOrganization"), orgSelect),
    field("a-type", t("auditEventType"), select("a-type", "type", values.type, eventTypeOptions())),
    field("a-department", t("department"), select("a-department", "department", values.department,
      codes("department").filter((d) => !["public", "partner"].includes(d)).map((d) => [d, departmentName(d)]))),
    field("a-actor", t("auditActor"), input("a-actor", "actor", values.actor)),
    field("a-since", t("auditSince"), input("a-since", "since", values.since, "text", { placeholder: "2020-01-01T00:00:00" })),
    field("a-until", t("auditUntil"), input("a-until", "until", values.until, "text", { placeholder: "2021-01-01T00:00:00" })),
    field("a-from", t("auditFromPosition"), input("a-from", "from", values.from, "text", { inputmode: "numeric" })),
    field("a-to", t("auditToPosition"), input("a-to", "to", values.to, "text", { inputmode: "numeric" })),
  ], t("auditLog"));
  const results = h("div", { class: "results", id: "audit-results" }, h("p", { class: "muted" }, t("loading")));
  body.replaceChildren(h("p", { class: "muted small" }, t("auditLogNote")), form, results);
  fillOrganizations(shell, token, orgSelect, values.org);

  const filter = Object.fromEntries(LOG_FILTER.filter(([key]) => values[key])
    .map(([key, name, as = String]) => [name, as(values[key])]));
  let page;
  try {
    page = (await gql(EVENT_LOG, { filter, after: number(after || "0"), first: LOG_SIZE })).eventLog;
  } catch (error) {
    if (shell.stillCurrent(token)) results.replaceChildren(refused(error));
    return;
  }
  if (!shell.stillCurrent(token)) return;
  const names = new Map();
  const items = page.events.map((event) => {
    const item = shell.eventItem(event);
    item.dataset.position = String(event.position);
    item.querySelector(".event-title").prepend(h("span", { class: "badge position" }, `#${event.position}`), " ");
    if (event.organizationId) {
      const link = h("a", { href: `#/org/${encodeURIComponent(event.organizationId)}` }, event.organizationId);
      names.set(link, event.organizationId);
      item.querySelector(".event-facts").append(h("dt", null, t("auditOrgLink")), h("dd", null, link));
    }
    return item;
  });
  results.replaceChildren(
    h("p", { class: "result-count", role: "status", id: "audit-count" },
      `${t("auditShown", { n: formatCount(page.events.length) })} · ${t("auditUpTo", { n: page.upTo })}`),
    items.length ? h("ol", { class: "events audit-log", id: "audit-log" }, items) : h("p", { class: "muted" }, t("auditNoEvents")),
    pager(shell, "log", values, page));
  // The organizations' names, once the index the filter uses is there (its id stays in the link).
  shell.orgIndex(null).then((nodes) => {
    const byId = new Map(nodes.map((n) => [n.id, n.name]));
    for (const [link, id] of names) if (byId.has(id)) link.textContent = byId.get(id);
  }, () => {});
}

// -- the chain ------------------------------------------------------------------------------------------------

function chainPart(shell, params, token, body) {
  const result = h("div", { id: "audit-chain", "aria-live": "polite" });
  const run = async () => {
    button.disabled = true;
    result.replaceChildren(h("p", { class: "muted", role: "status" }, t("auditRunning")));
    try {
      const report = (await gql(VERIFY)).verifyChain;
      if (shell.stillCurrent(token)) result.replaceChildren(...chainReport(report).filter(Boolean));
    } catch (error) {
      if (shell.stillCurrent(token)) result.replaceChildren(refused(error));
    } finally {
      button.disabled = false;
    }
  };
  const button = h("button", { type: "button", class: "button primary", id: "audit-verify", onclick: run }, t("auditRun"));
  body.replaceChildren(h("p", { class: "muted small" }, t("auditChainNote")), h("p", null, button), result);
}

function chainReport(report) {
  const figure = (text, value) => [h("dt", null, text), h("dd", null, value === null || value === undefined ? "—" : String(value))];
  return [
    h("p", { class: ["verdict", report.intact ? "intact" : "broken"], id: "audit-verdict" },
      h("span", { class: ["badge", report.intact ? "good" : "serious"] }, t(report.intact ? "auditIntact" : "auditBroken")),
      report.firstFinding ? ` ${t("auditFirstBad", { n: report.firstFinding.position })}` : null),
    h("dl", { class: "facts", id: "audit-chain-facts" },
      figure(t("auditAlgorithm"), report.algorithm),
      figure(t("auditSealedHead"), report.sealedHead),
      figure(t("auditStoreHead"), report.storeHead),
      figure(t("auditSealed"), formatCount(report.sealed)),
      figure(t("auditUnsealed"), report.unsealed ? `${formatCount(report.unsealed)} (#${report.firstUnsealed}…)` : "0"),
      figure(t("auditCheckpointsChecked"), report.checkpointsChecked),
      figure(t("auditSeconds"), report.seconds)),
    report.findings.length ? h("section", { "aria-labelledby": "audit-findings-title" },
      h("h3", { id: "audit-findings-title" }, `${t("auditFindings")} (${formatCount(report.totalFindings)})`),
      dataTable("audit-findings", t("auditFindings"), [t("auditPosition"), t("auditKind"), t("auditDetail")],
        report.findings.map((f) => [`#${f.position}`, f.kind, f.detail]))) : null,
    h("section", { "aria-labelledby": "audit-checkpoints-title" },
      h("h3", { id: "audit-checkpoints-title" }, t("auditCheckpoints")),
      report.checkpoints.length ? dataTable("audit-checkpoints", t("auditCheckpoints"),
        [t("auditPosition"), t("auditHash"), t("auditAlgorithm"), t("auditCreatedAt"), t("auditKey"), t("auditAgrees")],
        report.checkpoints.map((c) => [`#${c.position}`, h("code", null, `${c.hash.slice(0, 16)}…`), c.algorithm,
          seconds(c.createdAt), h("code", null, c.keyId), c.problem ? h("span", { class: "badge serious" }, c.problem)
            : h("span", { class: "badge good" }, t("yes"))]))
        : h("p", { class: "muted" }, t("auditNoCheckpoints"))),
  ];
}

// -- the read audit -------------------------------------------------------------------------------------------

const READS_KEYS = ["org", "user"];

async function readsPart(shell, params, token, body) {
  const values = valuesOf(params, READS_KEYS);
  const after = params.get("after") || "";
  const orgSelect = select("r-org", "org", values.org, values.org ? [[values.org, values.org]] : []);
  const form = filterForm(shell, "reads", READS_KEYS, [
    field("r-org", t("auditOrganization"), orgSelect),
    field("r-user", t("auditUsername"), input("r-user", "user", values.user)),
  ], t("auditReads"));
  const results = h("div", { class: "results", id: "audit-results" }, h("p", { class: "muted" }, t("loading")));
  body.replaceChildren(h("p", { class: "muted small" }, t("auditReadsNote")), form, results);
  fillOrganizations(shell, token, orgSelect, values.org);
  let page;
  try {
    page = (await gql(READS, { first: READS_SIZE, after: number(after || "0"), org: values.org || null,
      user: values.user || null })).personalDataReads;
  } catch (error) {
    if (shell.stillCurrent(token)) results.replaceChildren(refused(error));
    return;
  }
  if (!shell.stillCurrent(token)) return;
  results.replaceChildren(
    h("p", { class: "result-count", role: "status", id: "audit-count" }, t("auditShown", { n: formatCount(page.reads.length) })),
    page.reads.length ? dataTable("audit-reads", t("auditReads"),
      [t("auditPosition"), t("auditReadAt"), t("auditReader"), t("auditOrganization"), t("auditWhat"), t("auditVia")],
      page.reads.map((r) => [
        `#${r.position}`,
        h("time", { datetime: r.readAt }, seconds(r.readAt)),
        h("span", { class: "reader" }, r.username, r.department ? ` (${departmentName(r.department)})` : ""),
        h("a", { href: `#/org/${encodeURIComponent(r.organizationId)}` }, r.organizationName || r.organizationId),
        r.what,
        r.via,
      ])) : h("p", { class: "muted" }, t("auditNoReads")),
    pager(shell, "reads", values, page));
}

// -- a view as of a time ----------------------------------------------------------------------------------------

const ASOF_KEYS = ["view", "table", "at", "org", "street"];

function cell(column, value) {
  if (value === null || value === undefined) return null;
  if (column === "street") return `${streetName(value)} (${value})`;
  if (column === "department") return departmentName(value);
  if (column.endsWith("_on") && typeof value === "string") return formatDate(value);
  if (column.endsWith("_at") && typeof value === "string") return seconds(value);
  return String(value);
}

async function asOfPart(shell, params, token, body) {
  const values = valuesOf(params, ASOF_KEYS);
  const results = h("div", { class: "results", id: "audit-results" });
  let views = [];
  try {
    views = (await gql(VIEWS)).auditViews;
  } catch (error) {
    if (shell.stillCurrent(token)) body.replaceChildren(refused(error));
    return;
  }
  if (!shell.stillCurrent(token)) return;
  const viewOf = (name) => views.find((v) => v.name === name) || views[0];
  const tableSelect = h("select", { id: "v-table", name: "table" });
  const orgField = field("v-org", t("auditOrganization"), select("v-org", "org", values.org, values.org ? [[values.org, values.org]] : []));
  const streetField = field("v-street", t("auditStreet"), select("v-street", "street", values.street,
    codes("street").map((code) => [code, streetName(code)])));
  const viewSelect = select("v-view", "view", values.view || views[0].name, views.map((v) => [v.name, v.name]), false);
  const fit = () => {
    // The table list follows the view; organization and street only where the table has the column.
    const view = viewOf(viewSelect.value);
    const chosen = view.tables.some((tb) => tb.name === tableSelect.value) ? tableSelect.value : values.table;
    tableSelect.replaceChildren(...view.tables.map((tb) => h("option", { value: tb.name, selected: tb.name === chosen }, tb.name)));
    const table = view.tables.find((tb) => tb.name === tableSelect.value) || view.tables[0];
    orgField.hidden = !table.byOrganization;
    streetField.hidden = !table.byStreet;
    orgField.querySelector("select").disabled = !table.byOrganization;
    streetField.querySelector("select").disabled = !table.byStreet;
  };
  viewSelect.addEventListener("change", fit);
  tableSelect.addEventListener("change", fit);
  const form = filterForm(shell, "asof", ASOF_KEYS, [
    field("v-view", t("auditView"), viewSelect),
    field("v-table", t("auditTable"), tableSelect),
    field("v-at", t("auditAt"), input("v-at", "at", values.at, "text", { placeholder: "2020-01-01T00:00:00", required: true })),
    orgField,
    streetField,
  ], t("auditAsOf"));
  fit();
  body.replaceChildren(h("p", { class: "muted small" }, t("auditAsOfNote")), form, results);
  fillOrganizations(shell, token, orgField.querySelector("select"), values.org);
  if (!values.view || !values.at) {
    results.replaceChildren(h("p", { class: "muted" }, t("auditAsOfPick")));
    return;
  }
  results.replaceChildren(h("p", { class: "muted", role: "status" }, t("auditReplaying")));
  let found;
  try {
    found = (await gql(AS_OF, { view: values.view, at: values.at, table: values.table || null, first: ASOF_ROWS,
      org: values.org || null, street: values.street || null })).viewAsOf;
  } catch (error) {
    if (shell.stillCurrent(token)) results.replaceChildren(refused(error));
    return;
  }
  if (!shell.stillCurrent(token)) return;
  const columns = found.rows.length ? Object.keys(found.rows[0]) : [];
  results.replaceChildren(
    h("p", { class: "result-count", role: "status", id: "audit-count" },
      t("auditAsOfAt", { view: found.view, at: seconds(found.at), n: found.position })),
    dataTable("audit-asof-tables", t("auditTableRows"), [t("auditTable"), t("auditRows")],
      found.tables.map((tb) => [tb.table, formatCount(tb.rows)])),
    h("h3", null, found.table),
    found.rows.length ? h("div", { class: "table-wrap" }, h("table", { class: "data compact asof-rows", id: "audit-asof-rows" },
      h("caption", { class: "visually-hidden" }, found.table),
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col" }, c)))),
      h("tbody", null, found.rows.map((row) => h("tr", null, columns.map((c) => h("td", null, cell(c, row[c]) ?? "—")))))))
      : h("p", { class: "muted" }, t("auditNoRows")),
    found.hasMore ? h("p", { class: "notice" }, t("auditHasMore", { n: ASOF_ROWS })) : "");
}

// -- the page ---------------------------------------------------------------------------------------------------

async function auditPage(params, token, shell) {
  const part = PARTS.some(([key]) => key === params.get("part")) ? params.get("part") : "log";
  document.body.dataset.audit = "loading"; // "ready" (shell.mark) once the part shows its answer
  document.title = `${t("auditTitle")} · ${t("appName")}`;
  const body = h("div", { class: "audit-part", "data-part": part });
  shell.main().replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, t("auditTitle")),
      part === "log" ? downloadButtons("EVENTS") : null),  // the whole log as a file
    h("nav", { class: "audit-tabs", "aria-label": t("auditParts") }, h("ul", null, PARTS.map(([key, text]) =>
      h("li", null, h("a", { href: `#/audit?part=${key}`, "data-part": key, "aria-current": key === part ? "page" : null }, t(text)))))),
    h("section", { class: "card", "aria-label": t(PARTS.find(([key]) => key === part)[1]) }, h("h2", null, t(PARTS.find(([key]) => key === part)[1])), body));
  const run = { log: logPart, chain: chainPart, reads: readsPart, asof: asOfPart }[part];
  await run(shell, params, token, body);
  if (shell.stillCurrent(token)) shell.mark("lianjian:audit");
}

export const AUDIT_PAGE = {
  path: "/audit",
  nav: "audit",
  label: "navAudit",
  visible: (me) => me.department === "audit" || me.role === "auditor",
  render: auditPage,
};
