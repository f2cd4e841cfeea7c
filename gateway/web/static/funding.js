// 政府购买服务资金: a year's funding of the caller's place by organization and project
// (#/funding?street=&year=&sort=&dir=&page=): awarded, disbursed and clawed back, sorted by the server on any
// column, with the year's total. Money is exact: the API's decimals become fen (BigInt) and are written from fen.

import { gql } from "./api.js";
import { h } from "./dom.js";
import { downloadButtons } from "./downloads.js";
import {
  DRILL_PAGE_SIZE, drillHead, filterForm, pageOf, pager, rowsTable, selectField, streetField, streetOf,
} from "./drill.js";
import { addText, formatCount, formatFen, t, toFen } from "./i18n.js";

addText({
  fundingTitle: ["{year}年度政府购买服务资金", "Purchase-of-service funding, {year}"],
  fundingNote: ["立项金额按立项年度，拨付和追回按发生年度；点击列标题排序。",
    "Awards count in the year they were made, tranches and claw-backs in the year they were paid; sort by a column heading."],
  fundingYear: ["年度", "Year"],
  colAwarded: ["立项金额", "Awarded"],
  fundingTotal: ["合计（{n} 个项目）", "Total ({n} projects)"],
  sortBy: ["按{column}排序", "Sort by {column}"],
  fundingSort: ["排序", "Sort by"],
  fundingOrder: ["顺序", "Order"],
  ascending: ["升序", "Ascending"],
  descending: ["降序", "Descending"],
});

const QUERY = `query FundingTable($year: Int, $street: String, $sort: FundingSort, $descending: Boolean, $first: Int,
  $offset: Int) {
  fundingTable(year: $year, street: $street, sort: $sort, descending: $descending, first: $first, offset: $offset) {
    year total { projects awarded disbursed clawedBack } page { totalCount hasNextPage }
    rows { projectId projectName organizationId organizationName awarded disbursed clawedBack }
  }
}`;
// URL word -> the API's sort key; names sort up first, money down first.
const SORTS = { organization: "ORGANIZATION", project: "PROJECT", awarded: "AWARDED", disbursed: "DISBURSED",
  clawed_back: "CLAWED_BACK" };
const NAMES = new Set(["organization", "project"]);
const COLUMN_TEXT = { organization: "colOrganization", project: "projectName", awarded: "colAwarded",
  disbursed: "disbursed", clawed_back: "clawedBack" };
const YEARS_SHOWN = 12;

const money = (value) => formatFen(toFen(value));

async function render(params, token, shell) {
  const street = streetOf(params, shell);
  const thisYear = Number(new Intl.DateTimeFormat("en", { timeZone: "Asia/Shanghai", year: "numeric" }).format(new Date()));
  const asked = Number(params.get("year"));
  const year = Number.isInteger(asked) && asked > 1948 && asked <= thisYear + 1 ? asked : thisYear;
  const sort = params.get("sort") in SORTS ? params.get("sort") : "awarded";
  const dir = ["asc", "desc"].includes(params.get("dir")) ? params.get("dir") : NAMES.has(sort) ? "asc" : "desc";
  const { page, offset } = pageOf(params);
  document.title = `${t("fundingTitle", { year })} · ${t("appName")}`;
  const results = h("div", { class: "results" }, h("p", { class: "muted" }, t("loading")));
  const years = Array.from({ length: YEARS_SHOWN }, (_, i) => thisYear + 1 - i);
  if (!years.includes(year)) years.push(year);
  // The file holds every project of the place (the table's year is one view of it).
  const downloads = downloadButtons("FUNDING", () => ({ street: street || null }));
  shell.main().replaceChildren(...drillHead({ title: t("fundingTitle", { year }), street, actions: downloads },
    t("fundingNote")),
    filterForm("/funding", shell, [
      streetField(street, shell),
      selectField("year", t("fundingYear"), years.map((y) => [String(y), String(y)]), String(year)),
      // The headings sort too; on a phone, where the table's rows are cards, these do.
      selectField("sort", t("fundingSort"), Object.keys(SORTS).map((key) => [key, t(COLUMN_TEXT[key])]), sort),
      selectField("dir", t("fundingOrder"), [["asc", t("ascending")], ["desc", t("descending")]], dir),
    ]),
    results);
  const data = (await gql(QUERY, { year, street: street || null, sort: SORTS[sort], descending: dir === "desc",
    first: DRILL_PAGE_SIZE, offset })).fundingTable;
  if (!shell.stillCurrent(token)) return;

  // A column heading is a button: sorted by it, it turns the order round; otherwise it sorts by it.
  const sortable = (key) => {
    const text = t(COLUMN_TEXT[key]);
    const next = sort === key ? (dir === "asc" ? "desc" : "asc") : NAMES.has(key) ? "asc" : "desc";
    return {
      label: text, numeric: !NAMES.has(key),
      sorted: sort === key ? (dir === "asc" ? "ascending" : "descending") : null,
      header: h("button", {
        type: "button", class: "sort-button", "data-sort": key, "aria-label": t("sortBy", { column: text }),
        onclick: () => {
          const target = new URLSearchParams(params);
          target.set("sort", key);
          target.set("dir", next);
          target.delete("page");
          shell.go("/funding", target);
        },
      }, text, h("span", { "aria-hidden": "true", class: "sort-mark" }, sort === key ? (dir === "asc" ? " ▲" : " ▼") : "")),
    };
  };
  const columns = [
    { ...sortable("organization"),
      cell: (r) => h("a", { href: `#/org/${encodeURIComponent(r.organizationId)}` }, r.organizationName || r.organizationId) },
    { ...sortable("project"), cell: (r) => r.projectName },
    { ...sortable("awarded"), cell: (r) => money(r.awarded) },
    { ...sortable("disbursed"), cell: (r) => money(r.disbursed) },
    { ...sortable("clawed_back"), cell: (r) => money(r.clawedBack) },
  ];
  const paging = pager("/funding", params, shell, page, data.page.totalCount, data.page.hasNextPage);
  results.replaceChildren(paging.count, rowsTable({
    id: "funding-table", caption: t("fundingTitle", { year: data.year }), columns, rows: data.rows,
    total: [t("fundingTotal", { n: formatCount(data.total.projects) }), null, money(data.total.awarded),
      money(data.total.disbursed), money(data.total.clawedBack)],
  }), paging.nav);
  shell.mark("lianjian:drill");
}

export const FUNDING_PAGE = { path: "/funding", render };
