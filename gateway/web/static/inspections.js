// 检查案件: the inspections of the caller's place (#/inspections?street=&status=&overdue=&page=), the overdue
// rectifications first, then by deadline; overdue counted in business days in Beijing, as the overview counts.

import { gql } from "./api.js";
import { h } from "./dom.js";
import { downloadButtons } from "./downloads.js";
import {
  DRILL_PAGE_SIZE, drillHead, filterForm, pageOf, pager, rowsTable, selectField, streetField, streetOf,
} from "./drill.js";
import { addText, departmentName, formatCount, formatDate, label, t } from "./i18n.js";

addText({
  navInspections: ["检查案件", "Inspections"],
  inspectionsTitle: ["检查案件", "Inspection cases"],
  inspectionsNote: ["逾期未整改的排在最前，其余按整改期限；逾期天数按北京时间的日期计算（截至 {today}）。",
    "Overdue rectifications first, then by deadline; days overdue count Beijing business dates (as of {today})."],
  caseStatusAll: ["全部案件", "All cases"],
  overdueOnly: ["只看逾期未整改", "Overdue only"],
  colInspectorDept: ["检查部门", "Inspecting department"],
  colDaysOverdue: ["逾期天数", "Days overdue"],
  daysOverdue: ["逾期 {n} 天", "{n} days overdue"],
});

const QUERY = `query Inspections($street: String, $status: CaseStatus, $overdue: Boolean, $first: Int, $offset: Int) {
  inspections(street: $street, status: $status, overdueOnly: $overdue, first: $first, offset: $offset) {
    today page { totalCount hasNextPage }
    rows { caseId organizationId organizationName subject inspectorDepartment openedOn closedOn rectification deadline
      overdue daysOverdue }
  }
}`;
const STATUSES = ["OPEN", "CLOSED", "ALL"];

async function render(params, token, shell) {
  const street = streetOf(params, shell);
  const status = STATUSES.includes(params.get("status")) ? params.get("status") : "OPEN";
  const overdue = params.get("overdue") === "1";
  const { page, offset } = pageOf(params);
  document.title = `${t("inspectionsTitle")} · ${t("appName")}`;
  const results = h("div", { class: "results" }, h("p", { class: "muted" }, t("loading")));
  const note = h("span", null);
  const downloads = downloadButtons("INSPECTIONS", () => ({ street: street || null }));
  shell.main().replaceChildren(...drillHead({ title: t("inspectionsTitle"), street, actions: downloads }, note),
    filterForm("/inspections", shell, [
      streetField(street, shell),
      selectField("status", t("status"), [["OPEN", label("caseStatus", "open")], ["CLOSED", label("caseStatus", "closed")],
        ["ALL", t("caseStatusAll")]], status),
      h("div", { class: "field check" }, h("label", null,
        h("input", { type: "checkbox", name: "overdue", value: "1", checked: overdue, id: "f-overdue" }), ` ${t("overdueOnly")}`)),
    ]),
    results);
  const data = (await gql(QUERY, { street: street || null, status, overdue, first: DRILL_PAGE_SIZE, offset })).inspections;
  if (!shell.stillCurrent(token)) return;
  note.textContent = t("inspectionsNote", { today: formatDate(data.today) });
  const paging = pager("/inspections", params, shell, page, data.page.totalCount, data.page.hasNextPage);
  results.replaceChildren(paging.count, rowsTable({
    id: "inspection-table", caption: t("inspectionsTitle"), rows: data.rows,
    columns: [
      { label: t("colOrganization"), cell: (r) => h("a", { href: `#/org/${encodeURIComponent(r.organizationId)}` },
        r.organizationName || r.organizationId) },
      { label: t("subject"), cell: (r) => r.subject },
      { label: t("colInspectorDept"), cell: (r) => (r.inspectorDepartment ? departmentName(r.inspectorDepartment) : "—") },
      { label: t("openedOn"), cell: (r) => formatDate(r.openedOn) },
      { label: t("rectification"), cell: (r) => label("rectification", r.rectification) },
      { label: t("deadline"), cell: (r) => (r.deadline ? formatDate(r.deadline) : "—") },
      { label: t("colDaysOverdue"), numeric: true, cell: (r) => (r.overdue && r.daysOverdue !== null
        ? h("span", { class: "badge serious", "data-days-overdue": r.daysOverdue }, t("daysOverdue", { n: formatCount(r.daysOverdue) }))
        : "—") },
    ],
  }), paging.nav);
  shell.mark("lianjian:drill");
}

export const INSPECTIONS_PAGE = {
  path: "/inspections", nav: "inspections", label: "navInspections", render,
  visible: (me) => ["civil_affairs", "street_office", "inspection", "audit"].includes(me.role),
};
