// What the drill-down pages (inspections.js, funding.js, party.js) share: their links from the overview, the
// place and page they read from the URL, a table of rows with an optional total, and the pager. Every filter,
// the sort and the page are in the URL, so a reload or a shared link opens the same rows.

import { h } from "./dom.js";
import { addText, codes, formatCount, streetName, t } from "./i18n.js";

export const DRILL_PAGE_SIZE = 20;

addText({
  drillAllStreets: ["全部街道", "All streets"],
  drillBack: ["返回概览", "Back to the overview"],
  drillRows: ["共 {n} 条", "{n} rows"],
  drillNone: ["没有符合条件的记录。", "Nothing matches."],
  drillFilter: ["筛选", "Filter"],
  colOrganization: ["社会组织", "Organization"],
});

/** A drill-down's link: its path and the filters given ("" and null left out). */
export function drillHref(path, filters) {
  const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== "" && v !== null && v !== undefined))
    .toString();
  return `#${path}${query ? `?${query}` : ""}`;
}

/** The page number of the URL (1 and up) and the offset of its first row. */
export function pageOf(params) {
  const page = Math.max(1, Math.floor(Number(params.get("page"))) || 1);
  return { page, offset: (page - 1) * DRILL_PAGE_SIZE };
}

/** The street of the URL, or the caller's own (a street officer's); "" for the caller's whole district. */
export function streetOf(params, shell) {
  return params.get("street") || shell.myStreet() || "";
}

/** The page's heading (with ``actions`` beside it, such as its download buttons), the way back to the overview of
 * the same street, and a line of notes. Until the page marks its rows drawn (shell.mark("lianjian:drill")),
 * body[data-drill] is absent. */
export function drillHead({ title, street, actions = null }, ...notes) {
  delete document.body.dataset.drill;
  return [
    h("p", { class: "crumbs" }, h("a", { href: drillHref("/", { street }) }, `← ${t("drillBack")}`)),
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, title), actions),
    notes.length ? h("p", { class: "muted" }, ...notes) : null,
  ];
}

/** A labelled select of a filter form: options [[value, text]], the current value chosen. */
export function selectField(name, text, options, current) {
  return h("div", { class: "field" },
    h("label", { for: `f-${name}` }, text),
    h("select", { id: `f-${name}`, name },
      options.map(([value, shown]) => h("option", { value, selected: value === current }, shown))));
}

/** The street filter: a district's officer picks one of its streets or all; a street officer has only theirs. */
export function streetField(street, shell) {
  if (shell.myStreet()) return null;
  return selectField("street", t("street"),
    [["", t("drillAllStreets")], ...codes("street").map((code) => [code, streetName(code)])], street);
}

/** A filter form whose fields go to the URL of ``path`` on submit (the page starts again at 1). */
export function filterForm(path, shell, fields) {
  const form = h("form", {
    class: "filters card", role: "search", "aria-label": t("drillFilter"),
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const chosen = Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v)]));
      shell.go(path, new URLSearchParams(Object.entries(chosen).filter(([, v]) => v)));
    },
  }, fields, h("div", { class: "field actions" }, h("button", { type: "submit", class: "button primary" }, t("apply"))));
  return form;
}

/**
 * A table of rows: columns [{label, numeric, cell: (row) => content, header?: element}], the first column
 * the row's heading; ``total`` an optional footer row of cells in column order.
 */
export function rowsTable({ id, caption, columns, rows, total }) {
  if (!rows.length) return h("p", { class: "muted" }, t("drillNone"));
  const cell = (column, content, i, tag) => h(tag || (i === 0 ? "th" : "td"), {
    scope: i === 0 ? "row" : null, class: column.numeric ? "num" : null, "data-label": column.label,
  }, content);
  return h("div", { class: "table-wrap" }, h("table", { class: "data org-table stack-table", id },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", null, h("tr", null, columns.map((column) => h("th", {
      scope: "col", class: column.numeric ? "num" : null, "aria-sort": column.sorted || null,
    }, column.header || column.label)))),
    h("tbody", null, rows.map((row) => h("tr", null, columns.map((column, i) => cell(column, column.cell(row), i))))),
    total ? h("tfoot", null, h("tr", { class: "total-row" }, total.map((content, i) => cell(columns[i], content, i,
      i === 0 ? "th" : "td")))) : null));
}

/** "n rows · page p / pages" and the previous / next buttons, which change the URL's page. */
export function pager(path, params, shell, page, totalCount, hasNextPage) {
  const pages = Math.max(1, Math.ceil(totalCount / DRILL_PAGE_SIZE));
  const to = (target) => {
    const next = new URLSearchParams(params);
    if (target > 1) next.set("page", String(target));
    else next.delete("page");
    shell.go(path, next);
  };
  return {
    count: h("p", { class: "result-count", role: "status", id: "result-count" },
      `${t("drillRows", { n: formatCount(totalCount) })} · ${t("pageOf", { page })} / ${pages}`),
    nav: h("nav", { class: "pager", "aria-label": t("pageOf", { page: "" }).trim() },
      h("button", { type: "button", class: "button", disabled: page <= 1, onclick: () => to(page - 1) }, t("prev")),
      h("span", { class: "muted" }, `${page} / ${pages}`),
      h("button", { type: "button", class: "button", id: "next-page", disabled: !hasNextPage, onclick: () => to(page + 1) },
        t("next"))),
  };
}
