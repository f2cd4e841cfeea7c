// 待办 (#/tasks): the caller's tasks (督办事项) in three tabs: mine (myTasks), my department's, my street's; the
// filters and the page's cursor in the URL. Each task shows its due day and working days left (or overdue) in
// Beijing dates, and a button for each step its `may` lists; a step opens a small form in the row, and after it
// the row is read again. The list follows taskChanged live; the nav link carries the pending/overdue counts.

import { ApiError, Subscription, gql } from "./api.js";
import { h, uid } from "./dom.js";
import { downloadButtons } from "./downloads.js";
import {
  TIME_ZONE, addText, codes, departmentName, formatCount, formatDate, formatDateTime, getLang, label, streetName, t,
} from "./i18n.js";

addText({
  navTasks: ["待办", "To do"],
  tasksTitle: ["待办督办事项", "Tasks to do"],
  tasksTabs: ["待办范围", "Whose tasks"],
  tabMine: ["我的待办", "Mine"],
  tabDepartment: ["本部门", "My department's"],
  tabStreetOf: ["本街道（{street}）", "My street's ({street})"],
  tabStreets: ["各街道", "By street"],
  tasksNote: ["逾期的排在最前，其余按期限先后；日期均为北京时间，剩余天数按工作日（周一至周五）计。",
    "Overdue first, then by due day; dates are Beijing dates, days left count working days (Monday to Friday)."],
  taskStatusAll: ["全部", "All"],
  taskStatusPending: ["待处理（未办结）", "Pending (not resolved)"],
  taskRule: ["类别", "Kind"],
  overdueOnlyTasks: ["只看逾期", "Overdue only"],
  dueBefore: ["期限早于", "Due before"],
  allStreets: ["全部街道", "All streets"],
  tasksCount: ["共 {total} 项 · 待处理 {pending} 项 · 逾期 {overdue} 项", "{total} in all · {pending} pending · {overdue} overdue"],
  tasksPages: ["翻页", "Pages"],
  firstPage: ["回到第一页", "Back to the first page"],
  tasksNone: ["没有符合条件的督办事项。", "No task matches."],
  tasksBadge: ["{pending} 项待处理，其中逾期 {overdue} 项", "{pending} pending, {overdue} overdue"],
  overdueBadge: ["逾期", "Overdue"],
  dueOn: ["期限", "Due"],
  dueToday: ["今天到期", "Due today"],
  daysLeft: ["剩余 {n} 个工作日", "{n} working days left"],
  daysOverdueWork: ["逾期 {n} 个工作日", "{n} working days overdue"],
  overdueNow: ["已逾期", "Overdue"],
  noDeadline: ["无期限", "No deadline"],
  owners: ["主办", "Owned by"],
  assisting: ["协办", "Helped by"],
  assignees: ["承办人", "Officers in charge"],
  acknowledgedBy: ["已签收", "Acknowledged by"],
  resolution: ["办理结果", "Resolution"],
  taskSteps: ["办理：{name}", "Steps: {name}"],
  stepAcknowledgeTask: ["签收", "Acknowledge"],
  stepAssignTask: ["指定承办人", "Assign"],
  stepTransferTask: ["转办", "Transfer"],
  stepRequestTaskAssistance: ["请求协办", "Ask for help"],
  stepResolveTask: ["办结", "Resolve"],
  stepAcceptProposal: ["采纳建议", "Accept the proposal"],
  stepDeclineProposal: ["不予采纳", "Decline the proposal"],
  assigneeField: ["承办人（用户名）", "Officer in charge (username)"],
  toDepartment: ["转至部门", "To department"],
  helperDepartment: ["协办部门", "Department to help"],
  transferReason: ["转办理由", "Why transfer"],
  assistanceNote: ["协办事项说明", "What help is needed"],
  resolutionField: ["办理结果", "How it was resolved"],
  declineReason: ["不予采纳的理由", "Why decline"],
  exemptionDocument: ["免责证明文号（可选）", "Exemption document number (optional)"],
  acceptConfirm: ["将按建议记录：{proposal}", "The proposed step will be recorded: {proposal}"],
  chooseDepartment: ["请选择部门", "Choose a department"],
  submit: ["确定", "Confirm"],
  submitting: ["正在提交…", "Submitting…"],
  cancel: ["取消", "Cancel"],
  stepFailed: ["未能办理：{message}", "Not done: {message}"],
  stepDone: ["{step}：{name}", "{step}: {name}"],
  taskGone: ["{name}：该事项已不在您的范围内。", "{name}: the task is no longer yours to see."],
  tasksUpdated: ["督办事项有更新。", "Tasks were updated."],
  history: ["办理记录", "History"],
  historyEmpty: ["暂无记录。", "Nothing recorded."],
  actionRaised: ["提出", "Raised"],
  actionAcknowledged: ["签收", "Acknowledged"],
  actionAssigned: ["指定承办人", "Assigned"],
  actionTransferred: ["转办", "Transferred"],
  actionAssistance_requested: ["请求协办", "Help asked"],
  actionReminded: ["到期提醒", "Reminded"],
  actionEscalated: ["逾期督办", "Escalated"],
  actionResolved: ["办结", "Resolved"],
  actionAccepted: ["采纳建议", "Proposal accepted"],
  actionDeclined: ["不予采纳", "Proposal declined"],
  decisionAccepted: ["已采纳", "Accepted"],
  decisionDeclined: ["不予采纳", "Declined"],
});

const PATH = "/tasks";
const PAGE_SIZE = 20;
const TABS = ["mine", "department", "street"];
const STATUSES = ["pending", "open", "acknowledged", "resolved", "all"];
const STEPS = ["acknowledgeTask", "assignTask", "transferTask", "requestTaskAssistance", "resolveTask",
  "acceptProposal", "declineProposal"];
// Departments a task may be handed to or helped by (the domain refuses the system and the audit office).
const WORKING_DEPARTMENTS = ["civil_affairs", "street_office", "finance", "inspection", "party_building",
  "market_regulation", "public_security", "tax"];
// The command's reason (事由) of each step, as recorded; what the officer writes goes in the step's own field.
const STEP_REASONS = {
  acknowledgeTask: "签收督办事项", assignTask: "指定承办人", transferTask: "转办督办事项",
  requestTaskAssistance: "请求协办", resolveTask: "办结督办事项", acceptProposal: "采纳建议", declineProposal: "不予采纳建议",
};

const FIELDS = `id rule organizationId organizationName street message departments assisting
  assignees { department username } acknowledgedBy status overdue dueOn raisedOn resolvedOn resolution decision
  proposal updatedPosition may messageEn`;
const listQuery = (field) => `query Tasks($filter: TaskFilter, $first: Int, $after: String) {
  ${field}(filter: $filter, first: $first, after: $after) {
    tasks { ${FIELDS} } pageInfo { hasNextPage endCursor } counts { total pending overdue } } }`;
const oneQuery = () => `query Task($id: ID!) { task(id: $id) { ${FIELDS} } }`;
const HISTORY = `query TaskHistory($id: ID!) { task(id: $id) { id
  actions { position action department actor detail occurredOn recordedAt } } }`;
const COUNTS = `query TaskBadge($filter: TaskFilter) { tasks(filter: $filter, first: 1) { counts { pending overdue } } }`;
const CHANGED = `subscription TaskChanged($filter: TaskFilter) { taskChanged(filter: $filter) { id updatedPosition } }`;
const COMMAND = "$command: CommandInput!, $id: ID!";
const MUTATIONS = {
  acknowledgeTask: `mutation(${COMMAND}) { acknowledgeTask(command: $command, taskId: $id) { eventIds } }`,
  assignTask: `mutation(${COMMAND}, $assignee: String!) {
    assignTask(command: $command, taskId: $id, assignee: $assignee) { eventIds } }`,
  transferTask: `mutation(${COMMAND}, $to: String!, $reason: String!) {
    transferTask(command: $command, taskId: $id, to: $to, reason: $reason) { eventIds } }`,
  requestTaskAssistance: `mutation(${COMMAND}, $department: String!, $note: String!) {
    requestTaskAssistance(command: $command, taskId: $id, department: $department, note: $note) { eventIds } }`,
  resolveTask: `mutation(${COMMAND}, $resolution: String!) {
    resolveTask(command: $command, taskId: $id, resolution: $resolution) { eventIds } }`,
  acceptProposal: `mutation(${COMMAND}) { acceptProposal(command: $command, alertId: $id) { eventIds } }`,
  declineProposal: `mutation(${COMMAND}, $reason: String!, $exemptionDocument: String) {
    declineProposal(command: $command, alertId: $id, reason: $reason, exemptionDocument: $exemptionDocument) { eventIds } }`,
};

function ask(query, variables) {
  return gql(query(), variables);
}

// -- Beijing dates and working days ------------------------------------------------------------------------

/** Today's date in Beijing, YYYY-MM-DD. */
function today() {
  return new Intl.DateTimeFormat("en-CA", { timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit" })
    .format(new Date());
}

/** Working days (Monday to Friday, as domain/calendar.py counts them) after `from` up to and including `to`. */
function workingDaysAfter(from, to) {
  let n = 0;
  const day = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (day < end) {
    day.setUTCDate(day.getUTCDate() + 1);
    if (day.getUTCDay() % 6 !== 0) n += 1;
  }
  return n;
}

function dueText(task) {
  if (!task.dueOn) return t("noDeadline");
  if (task.status === "resolved") return formatDate(task.dueOn);
  const now = today();
  if (task.overdue || task.dueOn < now) {
    const n = workingDaysAfter(task.dueOn, now);
    return `${formatDate(task.dueOn)} · ${n ? t("daysOverdueWork", { n: formatCount(n) }) : t("overdueNow")}`;
  }
  const n = workingDaysAfter(now, task.dueOn);
  return `${formatDate(task.dueOn)} · ${n ? t("daysLeft", { n: formatCount(n) }) : t("dueToday")}`;
}

// -- the URL: tab, filters, cursor ---------------------------------------------------------------------------

function readParams(params, shell) {
  const tab = TABS.includes(params.get("tab")) ? params.get("tab") : "department";
  return {
    tab,
    status: STATUSES.includes(params.get("status")) ? params.get("status") : "pending",
    rule: codes("rule").includes(params.get("rule")) ? params.get("rule") : "",
    overdue: params.get("overdue") === "1" ? "1" : "",
    due: /^\d{4}-\d{2}-\d{2}$/.test(params.get("due") || "") ? params.get("due") : "",
    street: tab === "street" && !shell.myStreet() ? params.get("street") || "" : "",
    after: params.get("after") || "",
  };
}

function href(values) {
  const query = toParams(values).toString();
  return `#${PATH}${query ? `?${query}` : ""}`;
}

function toParams(values) {
  return new URLSearchParams(Object.entries(values).filter(([key, v]) => v && !(key === "status" && v === "pending")
    && !(key === "tab" && v === "department")));
}

function apiFilter(values, me) {
  const filter = {};
  if (values.status !== "all") filter.status = values.status;
  if (values.rule) filter.rule = values.rule;
  if (values.overdue) filter.overdue = true;
  if (values.due) filter.dueBefore = values.due;
  if (values.tab === "department") filter.department = me.department;
  if (values.street) filter.street = values.street;
  return filter;
}

// The cursors of the pages before this one, for "previous" (a cursor only leads forward); kept in sessionStorage,
// so that a reload on a later page still goes back.
const TRAIL_KEY = "lianjian.taskCursors";

function loadTrail(key, after) {
  try {
    const held = JSON.parse(sessionStorage.getItem(TRAIL_KEY) || "null");
    if (after && held && held.key === key && Array.isArray(held.cursors)) return held;
  } catch {
    /* none kept */
  }
  return { key, cursors: [] };
}

function saveTrail(trail) {
  try {
    sessionStorage.setItem(TRAIL_KEY, JSON.stringify(trail));
  } catch {
    /* private mode: "previous" leads to the first page */
  }
}

// -- the nav badge: pending and overdue of the caller's department ---------------------------------------------

async function fillBadge(link, me) {
  try {
    const counts = (await gql(COUNTS, { filter: { status: "pending", department: me.department } })).tasks.counts;
    link.querySelector(".nav-count")?.remove();
    if (!counts.pending) return;
    link.append(h("span", { class: "nav-count" },
      h("span", { class: "nav-badge", "aria-hidden": "true", "data-pending": counts.pending }, formatCount(counts.pending)),
      counts.overdue ? h("span", { class: "nav-badge overdue", "aria-hidden": "true", "data-overdue": counts.overdue },
        formatCount(counts.overdue)) : null,
      h("span", { class: "visually-hidden" }, ` (${t("tasksBadge", {
        pending: formatCount(counts.pending), overdue: formatCount(counts.overdue) })})`)));
  } catch {
    /* no badge: the link still works */
  }
}

function refreshBadge(me) {
  const link = document.querySelector("a[data-nav='tasks']");
  if (link) fillBadge(link, me);
}

// -- the page ------------------------------------------------------------------------------------------------

async function render(params, token, shell) {
  delete document.body.dataset.tasks;
  const me = shell.state.me;
  const values = readParams(params, shell);
  const go = (changes) => shell.go(PATH, toParams({ ...values, after: "", ...changes }));
  document.title = `${t("tasksTitle")} · ${t("appName")}`;
  const announcer = h("p", { class: "task-status", role: "status", "aria-live": "polite", id: "tasks-status" });
  const results = h("div", { class: "results" }, h("p", { class: "muted" }, t("loading")));
  shell.main().replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, t("tasksTitle")), downloadButtons("TASKS")),
    tabs(values, shell),
    filterForm(values, shell, go),
    h("p", { class: "muted small" }, t("tasksNote")),
    announcer,
    results);

  const trail = loadTrail(JSON.stringify({ ...values, after: "" }), values.after);
  const filter = apiFilter(values, me);
  const field = values.tab === "mine" ? "myTasks" : "tasks";
  const list = h("ol", { class: "task-list", id: "task-list", "aria-labelledby": "tasks-count" });
  const count = h("p", { class: "result-count", id: "tasks-count" });
  const pager = h("nav", { class: "pager", "aria-label": t("tasksPages") });
  const rows = new Map(); // task id -> its row
  const context = { me, announcer, list, rows, token, shell, reload: null };

  const load = async () => {
    const page = (await ask(() => listQuery(field), { filter, first: PAGE_SIZE, after: values.after || null }))[field];
    if (!shell.stillCurrent(token)) return -1;
    const c = page.counts;
    count.textContent = t("tasksCount", { total: formatCount(c.total), pending: formatCount(c.pending),
      overdue: formatCount(c.overdue) });
    let drawn = 0;
    const fresh = page.tasks.map((task) => {
      const held = rows.get(task.id);
      // A row being worked on (its form open) or unchanged stays as it is, and so keeps the keyboard's place.
      if (held && (held.querySelector(".task-form") || held.dataset.updated === String(task.updatedPosition))) return held;
      drawn += 1;
      return redrawn(task, held, context);
    });
    rows.clear();
    fresh.forEach((row) => rows.set(row.dataset.taskId, row));
    list.replaceChildren(...fresh);
    const position = trail.cursors.length + 1;
    pager.replaceChildren(
      h("button", { type: "button", class: "button", id: "tasks-prev", disabled: !values.after,
        onclick: () => {
          const before = trail.cursors.pop() || "";
          saveTrail(trail);
          go({ after: before });
        } }, t("prev")),
      h("span", { class: "muted" }, t("pageOf", { page: position })),
      h("button", { type: "button", class: "button", id: "tasks-next", disabled: !page.pageInfo.hasNextPage,
        onclick: () => {
          trail.cursors.push(values.after);
          saveTrail(trail);
          go({ after: page.pageInfo.endCursor });
        } }, t("next")));
    results.replaceChildren(count, page.tasks.length ? list : h("p", { class: "muted" }, t("tasksNone")), pager);
    return drawn;
  };
  context.reload = load;
  try {
    if ((await load()) < 0) return;
  } catch (error) {
    if (!shell.stillCurrent(token)) return;
    results.replaceChildren(shell.failure(error), values.after // e.g. a cursor from an old link
      ? h("p", null, h("a", { href: href({ ...values, after: "" }) }, t("firstPage"))) : null);
    return;
  }
  shell.mark("lianjian:tasks");
  follow(values, context);
}

function tabs(values, shell) {
  const street = shell.myStreet();
  const item = (tab, text) => h("li", null, h("a", {
    href: href({ tab, status: values.status }), "data-tab": tab,
    "aria-current": values.tab === tab ? "page" : null,
  }, text));
  return h("nav", { class: "task-tabs", "aria-label": t("tasksTabs") }, h("ul", null,
    item("mine", t("tabMine")), item("department", t("tabDepartment")),
    item("street", street ? t("tabStreetOf", { street: streetName(street) }) : t("tabStreets"))));
}

function filterForm(values, shell, go) {
  const select = (name, text, options, current) => h("div", { class: "field" },
    h("label", { for: `tf-${name}` }, text),
    h("select", { id: `tf-${name}`, name },
      options.map(([value, shown]) => h("option", { value, selected: value === current }, shown))));
  const form = h("form", {
    class: "filters card", role: "search", "aria-label": t("tasksTitle"),
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      go({ status: data.get("status"), rule: data.get("rule"), overdue: data.get("overdue") ? "1" : "",
        due: data.get("due"), street: data.get("street") || "" });
    },
  },
  values.tab === "street" && !shell.myStreet()
    ? select("street", t("street"), [["", t("allStreets")], ...codes("street").map((c) => [c, streetName(c)])], values.street)
    : null,
  select("status", t("status"), [["pending", t("taskStatusPending")], ["open", label("alertStatus", "open")],
    ["acknowledged", label("alertStatus", "acknowledged")], ["resolved", label("alertStatus", "resolved")],
    ["all", t("taskStatusAll")]], values.status),
  select("rule", t("taskRule"), [["", t("filterAny")], ...codes("rule").map((c) => [c, label("rule", c)])], values.rule),
  h("div", { class: "field" }, h("label", { for: "tf-due" }, t("dueBefore")),
    h("input", { id: "tf-due", name: "due", type: "date", value: values.due })),
  h("div", { class: "field check-field" }, h("label", null,
    h("input", { type: "checkbox", name: "overdue", value: "1", checked: Boolean(values.overdue), id: "tf-overdue" }),
    ` ${t("overdueOnlyTasks")}`)),
  h("div", { class: "field actions" },
    h("button", { type: "submit", class: "button primary" }, t("apply")),
    h("button", { type: "button", class: "button", onclick: () => go({ status: "", rule: "", overdue: "", due: "", street: "" }) },
      t("reset"))));
  return form;
}

// -- one task ------------------------------------------------------------------------------------------------

const departmentList = (names) => names.map(departmentName).join(getLang() === "en" ? ", " : "、");
const officer = (username, department) => (getLang() === "en" ? `${username} (${departmentName(department)})`
  : `${username}（${departmentName(department)}）`);

function taskName(task) {
  return task.organizationName || task.organizationId;
}

function taskRow(task, context) {
  const english = getLang() === "en";
  const message = english && task.messageEn ? task.messageEn : task.message;
  const headingId = uid("task");
  const row = h("li", {
    class: ["task", "card", task.overdue ? "is-overdue" : null], "data-task-id": task.id,
    "data-status": task.status, "data-updated": task.updatedPosition, "aria-labelledby": headingId,
  });
  const slot = h("div", { class: "task-form-slot" });
  const steps = STEPS.filter((step) => task.may.includes(step));
  const facts = [
    [t("owners"), departmentList(task.departments), "owners"],
    task.assisting.length ? [t("assisting"), departmentList(task.assisting), "assisting"] : null,
    task.assignees.length ? [t("assignees"), task.assignees.map((a) => officer(a.username, a.department))
      .join(english ? ", " : "、"), "assignees"] : null,
    task.acknowledgedBy.length ? [t("acknowledgedBy"), departmentList(task.acknowledgedBy), "acknowledged"] : null,
    task.resolution ? [t("resolution"), task.resolution, "resolution"] : null,
  ].filter(Boolean);
  const history = h("details", { class: "task-history" }, h("summary", null, t("history")),
    h("div", { class: "task-history-body" }, h("p", { class: "muted" }, t("loading"))));
  history.addEventListener("toggle", () => {
    if (history.open && !history.dataset.loaded) showHistory(history, task.id);
  });
  row.append(
    h("div", { class: "task-head" },
      h("h2", { class: "task-title", id: headingId, tabindex: "-1" },
        h("a", { href: `#/org/${encodeURIComponent(task.organizationId)}` }, taskName(task))),
      h("p", { class: "badges" },
        h("span", { class: "badge rule", "data-rule": task.rule }, label("rule", task.rule)),
        h("span", { class: ["badge", `status-${task.status}`], "data-field": "status" }, label("alertStatus", task.status)),
        task.decision ? h("span", { class: "badge", "data-field": "decision" },
          t(task.decision === "accepted" ? "decisionAccepted" : "decisionDeclined")) : null,
        task.overdue ? h("span", { class: "badge serious", "data-field": "overdue" }, t("overdueBadge")) : null)),
    h("p", { class: "task-message", lang: message === task.message ? "zh-CN" : "en" }, message),
    h("dl", { class: "task-facts" },
      h("dt", null, t("dueOn")), h("dd", { "data-field": "due", class: task.overdue ? "overdue-text" : null }, dueText(task)),
      task.street ? [h("dt", null, t("street")), h("dd", { "data-field": "street" }, streetName(task.street))] : null,
      facts.map(([term, value, name]) => [h("dt", null, term), h("dd", { "data-field": name }, value)])),
    steps.length ? h("div", { class: "task-actions", role: "group", "aria-label": t("taskSteps", { name: taskName(task) }) },
      steps.map((step) => h("button", {
        type: "button", class: "button", "data-step": step,
        onclick: (event) => openStep(step, task, row, slot, event.currentTarget, context),
      }, t(`step${step[0].toUpperCase()}${step.slice(1)}`)))) : null,
    slot,
    history);
  return row;
}

/** A task's row drawn again, its history still open if it was. */
function redrawn(task, held, context) {
  const row = taskRow(task, context);
  if (held && held.querySelector(".task-history").open) row.querySelector(".task-history").open = true;
  return row;
}

function stepName(step) {
  return t(`step${step[0].toUpperCase()}${step.slice(1)}`);
}

/** The fields a step asks for, each [name, label, control]; none for acknowledge. */
function stepFields(step, task, me) {
  const text = (name, caption, multiline, value = "", required = true) => {
    const id = uid(`tf-${name}`);
    const control = multiline
      ? h("textarea", { id, name, rows: "3", required, maxlength: "2000" }, value)
      : h("input", { id, name, type: "text", value, required, maxlength: "200", autocomplete: "off" });
    return h("div", { class: "field grow" }, h("label", { for: id }, caption), control);
  };
  const department = (name, caption, excluded) => {
    const id = uid(`tf-${name}`);
    return h("div", { class: "field" }, h("label", { for: id }, caption),
      h("select", { id, name, required: true }, h("option", { value: "" }, t("chooseDepartment")),
        WORKING_DEPARTMENTS.filter((d) => !excluded.includes(d)).map((d) => h("option", { value: d }, departmentName(d)))));
  };
  switch (step) {
    case "assignTask": return [text("assignee", t("assigneeField"), false, me.username)];
    case "transferTask": return [department("to", t("toDepartment"), task.departments), text("reason", t("transferReason"), true)];
    case "requestTaskAssistance":
      return [department("department", t("helperDepartment"), [...task.departments, ...task.assisting]),
        text("note", t("assistanceNote"), true)];
    case "resolveTask": return [text("resolution", t("resolutionField"), true)];
    case "acceptProposal":
      return [h("p", null, t("acceptConfirm", { proposal: label("ground", task.proposal?.ground) || task.proposal?.command || "" }))];
    case "declineProposal":
      return [text("reason", t("declineReason"), false),
        task.proposal && task.proposal.list ? text("exemptionDocument", t("exemptionDocument"), false, "", false) : null];
    default: return [];
  }
}

function openStep(step, task, row, slot, button, context) {
  const problem = h("p", { class: "notice", role: "alert", hidden: true });
  if (step === "acknowledgeTask") { // one click: nothing to ask; a refusal shows in the row
    slot.replaceChildren(problem);
    runStep(step, task, {}, row, { form: null, problem }, button, context);
    return;
  }
  const titleId = uid("step");
  const close = () => {
    slot.replaceChildren();
    button.focus();
  };
  const form = h("form", {
    class: "task-form", "aria-labelledby": titleId, "data-step": step,
    onsubmit: (event) => {
      event.preventDefault();
      const data = Object.fromEntries([...new FormData(form)].map(([k, v]) => [k, String(v).trim()]));
      runStep(step, task, data, row, { form, problem }, button, context);
    },
    onkeydown: (event) => {
      if (event.key === "Escape") close();
    },
  },
  h("h3", { id: titleId }, `${stepName(step)} · ${taskName(task)}`),
  h("div", { class: "task-form-fields" }, stepFields(step, task, context.me)),
  problem,
  h("div", { class: "field actions" },
    h("button", { type: "submit", class: "button primary" }, stepName(step)),
    h("button", { type: "button", class: "button", onclick: close }, t("cancel"))));
  slot.replaceChildren(form);
  (form.querySelector("input, select, textarea") || form.querySelector("button[type=submit]")).focus();
}

async function runStep(step, task, data, row, held, button, context) {
  const { announcer } = context;
  const submit = held.form ? held.form.querySelector("button[type=submit]") : button;
  const original = submit.textContent;
  submit.disabled = true;
  submit.textContent = t("submitting");
  const variables = {
    id: task.id,
    // waitForView: the answer comes once the tasks' view shows the step, so the row read next is current.
    command: { reason: STEP_REASONS[step], occurredOn: today(), idempotencyKey: crypto.randomUUID(), waitForView: "joint_alerts" },
  };
  for (const [key, value] of Object.entries(data)) variables[key] = value || null;
  try {
    await gql(MUTATIONS[step], variables);
  } catch (error) {
    submit.disabled = false;
    submit.textContent = original;
    held.problem.textContent = t("stepFailed", { message: error.message });
    held.problem.hidden = false;
    // The keyboard goes back where it can put things right (a disabled button had dropped it).
    (held.form ? held.form.querySelector("input, select, textarea") || submit : button).focus();
    return;
  }
  announcer.textContent = t("stepDone", { step: stepName(step), name: taskName(task) });
  context.quietUntil = Date.now() + 3000; // the feed's echo of this step does not talk over it
  await reread(task, row, context);
  refreshBadge(context.me);
}

/** The row of a task read again (after a step or a change): replaced, or removed if the caller no longer sees it. */
async function reread(task, row, context) {
  let fresh = null;
  try {
    fresh = (await ask(oneQuery, { id: task.id })).task;
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "NOT_FOUND")) {
      context.announcer.textContent = t("labelled", { label: t("error"), text: error.message });
      return;
    }
  }
  row = context.rows.get(task.id) || row; // the live feed may have drawn the row again meanwhile
  if (!context.shell.stillCurrent(context.token) || !row.isConnected) return;
  if (!fresh) {
    context.announcer.textContent = `${context.announcer.textContent} ${t("taskGone", { name: taskName(task) })}`;
    context.rows.delete(task.id);
    row.remove();
    context.shell.main().querySelector("h1").focus();
    return;
  }
  const replacement = redrawn(fresh, row, context);
  context.rows.set(fresh.id, replacement);
  row.replaceWith(replacement);
  replacement.querySelector(".task-title").focus();
}

async function showHistory(details, id) {
  const body = details.querySelector(".task-history-body");
  try {
    const actions = (await gql(HISTORY, { id })).task.actions;
    details.dataset.loaded = "1";
    body.replaceChildren(actions.length ? h("ol", { class: "task-actions-list" }, actions.map(actionItem))
      : h("p", { class: "muted" }, t("historyEmpty")));
  } catch (error) {
    body.replaceChildren(h("p", { class: "notice", role: "alert" }, t("labelled", { label: t("error"), text: error.message })));
  }
}

function actionItem(action) {
  const key = `action${action.action[0].toUpperCase()}${action.action.slice(1)}`;
  const d = action.detail || {};
  const bits = [
    d.to_department ? `→ ${departmentName(d.to_department)}` : null,
    d.department ? departmentName(d.department) : null,
    d.assignee ? d.assignee : null,
    d.added && d.added.length ? `+ ${departmentList(d.added)}` : null,
    d.due_on ? `${t("dueOn")} ${formatDate(d.due_on)}` : null,
    d.reason || d.note || d.resolution || null,
  ].filter(Boolean);
  const who = action.actor ? officer(action.actor, action.department) : departmentName(action.department);
  return h("li", { "data-action": action.action },
    h("time", { datetime: action.recordedAt }, formatDate(action.occurredOn || action.recordedAt)), " ",
    h("strong", null, t(key) === key ? action.action : t(key)), " ",
    h("span", { class: "muted" }, who),
    bits.length ? h("span", null, ` · ${bits.join(" · ")}`) : null,
    h("span", { class: "visually-hidden" }, ` ${formatDateTime(action.recordedAt)}`));
}

// -- live: taskChanged in the tab's scope reads the page and the badge again ---------------------------------------

function follow(values, context) {
  const { shell, token } = context;
  let timer = null;
  const refresh = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      if (!shell.stillCurrent(token)) return;
      try {
        const drawn = await context.reload();
        if (drawn > 0 && Date.now() > (context.quietUntil || 0)) context.announcer.textContent = t("tasksUpdated");
        if (drawn >= 0) refreshBadge(context.me);
      } catch {
        /* the list stays as it was; the next change tries again */
      }
    }, 300);
  };
  const live = new Subscription(CHANGED, { filter: values.street ? { street: values.street } : null }, {
    onData: refresh,
    onReconnect: refresh,
  });
  shell.state.live = live; // the shell stops it when the user moves on
  live.start();
}

export const TASKS_PAGE = {
  path: PATH, nav: "tasks", label: "navTasks", render,
  visible: (me) => Boolean(me.department) && me.role !== "public",
  badge: fillBadge,
};
