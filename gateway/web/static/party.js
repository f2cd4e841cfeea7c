// 党建缺口: the active organizations of the caller's place with a party-building gap (#/party?street=&gap=&page=):
// enough party members for a party organization of their own and none set up, none in any form, or no instructor.

import { gql } from "./api.js";
import { h } from "./dom.js";
import {
  DRILL_PAGE_SIZE, drillHead, filterForm, pageOf, pager, rowsTable, selectField, streetField, streetOf,
} from "./drill.js";
import { addText, formatCount, label, t } from "./i18n.js";

addText({
  partyGapsTitle: ["党建工作缺口", "Party-building gaps"],
  partyGap: ["缺口", "Gap"],
  gapNeeds: ["党员 {n} 名以上未单独组建党组织", "{n}+ party members, no party organization"],
  gapUncovered: ["未建立党组织（任何形式）", "No party organization in any form"],
  gapNoInstructor: ["未选派党建指导员", "No party-building instructor"],
  partyGapsNote: ["仅含登记、备案状态的社会组织。", "Active (registered or filed) organizations only."],
  instructor: ["党建指导员", "Instructor"],
});

const QUERY = `query PartyGaps($gap: PartyGap, $street: String, $first: Int, $offset: Int) {
  partyBuildingGaps(gap: $gap, street: $street, first: $first, offset: $offset) {
    minPartyMembers page { totalCount hasNextPage }
    rows { organizationId name street community kind partyMembers partyOrganization instructor }
  }
}`;
const GAPS = { NEEDS_PARTY_ORGANIZATION: "gapNeeds", NO_PARTY_ORGANIZATION: "gapUncovered", NO_INSTRUCTOR: "gapNoInstructor" };

async function render(params, token, shell) {
  const street = streetOf(params, shell);
  const gap = params.get("gap") in GAPS ? params.get("gap") : "NEEDS_PARTY_ORGANIZATION";
  const { page, offset } = pageOf(params);
  document.title = `${t("partyGapsTitle")} · ${t("appName")}`;
  const results = h("div", { class: "results" }, h("p", { class: "muted" }, t("loading")));
  const gapSelect = h("div", { class: "field" });
  shell.main().replaceChildren(...drillHead({ title: t("partyGapsTitle"), street }, t("partyGapsNote")),
    filterForm("/party", shell, [streetField(street, shell), gapSelect]),
    results);
  const data = (await gql(QUERY, { gap, street: street || null, first: DRILL_PAGE_SIZE, offset })).partyBuildingGaps;
  if (!shell.stillCurrent(token)) return;
  const gapWords = (key) => t(GAPS[key], { n: data.minPartyMembers });
  gapSelect.replaceWith(selectField("gap", t("partyGap"), Object.keys(GAPS).map((key) => [key, gapWords(key)]), gap));
  const paging = pager("/party", params, shell, page, data.page.totalCount, data.page.hasNextPage);
  results.replaceChildren(h("h2", { class: "section-title" }, gapWords(gap)), paging.count, rowsTable({
    id: "party-table", caption: gapWords(gap), rows: data.rows,
    columns: [
      { label: t("colName"), cell: (r) => h("a", { href: `#/org/${encodeURIComponent(r.organizationId)}` }, r.name) },
      { label: t("colCommunity"), cell: (r) => r.community || "—" },
      { label: t("colKind"), cell: (r) => label("kind", r.kind) },
      { label: t("partyMembers"), numeric: true, cell: (r) => formatCount(r.partyMembers) },
      { label: t("partyOrganization"), cell: (r) => (r.partyOrganization ? label("partyForm", r.partyOrganization)
        : t("nonePartyOrganization")) },
      { label: t("instructor"), cell: (r) => (r.instructor ? t("yes") : t("no")) },
    ],
  }), paging.nav);
  shell.mark("lianjian:drill");
}

export const PARTY_PAGE = { path: "/party", render };
