// 联监 Lianjian: the street office's shared dashboard. Pages: overview (#/), organizations (#/organizations),
// one organization (#/org/<id>). Every figure comes from the public GraphQL API, answered for the signed-in user.

import { ApiError, Subscription, allPages, gql, whenUnauthenticated } from "./api.js";
import {
  clearSession, completeKeycloakSignIn, devSignIn, devUsers, freshToken, getConfig, loadConfig, signOut,
  startKeycloakSignIn,
} from "./auth.js";
import { barTable, columnChart } from "./charts.js";
import { h } from "./dom.js";
import { drillHref } from "./drill.js";
import { downloadButtons } from "./downloads.js";
import { PAGES } from "./pages.js";
import {
  codes, departmentName, formatCount, formatDate, formatDateTime, formatFen, formatPercent, formatYuan, getLang,
  hasLabel, label, nowText, setLang, streetName, t, toFen, yearOf,
} from "./i18n.js";

// -- queries ------------------------------------------------------------------------------------------

const ME = `query Me { me { username displayName department role jurisdiction mayRecord } }`;

const OVERVIEW = `query Overview($street: String!, $district: String) {
  streetOverview(street: $street, district: $district) {
    street year organizations ended
    byKind { key count } byStatus { key count } byCategory { key count } byCommunity { key count }
    byEndedStatus { key count }
    party { activeOrganizations withPartyOrganization partyMembers coverage }
    funding { projectsAwarded awarded disbursed clawedBack }
    openInspections overdueRectifications
    creditListed { organizationId name onAbnormalList onSeriousList }
  }
}`;

const ALERT_FIELDS = `id rule organizationId organizationName street message messageEn departments status raisedOn raisedAt position`;
const ALERTS = `query Alerts($first: Int!, $openOnly: Boolean!, $street: String, $district: String) {
  alerts(first: $first, openOnly: $openOnly, street: $street, district: $district) { alerts { ${ALERT_FIELDS} } }
}`;
const ALERTS_SHOWN = 20;
// Anything recorded about an organization of the street: the figures and the feed are read again.
const CHANGED = `subscription Changed($street: String, $district: String) {
  changed(street: $street, district: $district) { position organizationId }
}`;

const ORG_INDEX = `query OrgIndex($filter: OrganizationFilter, $first: Int!, $after: String) {
  organizations(filter: $filter, first: $first, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name kind status district street community registeredOn filedOn } }
  }
}`;

const FUNDING = `query Funding($first: Int!) {
  fundingProjects(first: $first) { id organizationId amount disbursed awardedOn }
}`;
const FUNDING_LIMIT = 200;

const ORG_LIST = `query Orgs($filter: OrganizationFilter, $first: Int!, $after: String) {
  organizations(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { id name kind status street community grade credit { onAbnormalList onSeriousList } } }
  }
}`;
const PAGE_SIZE = 20;

const ORGANIZATION = `query Org($id: ID!) {
  organization(id: $id) {
    id name kind status creditCode district street grade gradeValidUntil
    credit { onAbnormalList abnormalListedOn onSeriousList seriousListedOn }
    community category role registeredOn filedOn endedOn domicile purpose businessScope supervisingUnit funds
    legalRepresentative { name idNumber phone }
    partyMembers partyOrganization underInvestigation updatedAt
    fundingProjects { id projectName purchasingUnit amount disbursed clawedBack status awardedOn periodStart periodEnd }
    inspections { id status openedOn closedOn rectification deadline inspectors subject problemsFound }
    penalties { id kind amount department imposedOn executed }
  }
}`;

const HISTORY = `query History($id: ID!, $first: Int!, $skip: Int!, $order: HistoryOrder!, $from: Date, $to: Date,
  $department: String) {
  organizationHistory(id: $id, first: $first, skip: $skip, order: $order, from: $from, to: $to, department: $department) {
    totalCount pageInfo { hasNextPage }
    events { position eventId type recordedAt occurredOn actor { username department role } reason legalBasis data }
  }
}`;

// -- state -------------------------------------------------------------------------------------------

const state = {
  me: null,
  routeToken: 0,
  firstRoute: true,
  live: null,
  orgIndex: new Map(), // street ("" for all) -> {promise: Promise<nodes>, at}
  funding: null, // {promise: Promise<{projects, truncated}>, at}
  shownOrg: null, // {id, timeline}: the organization page on screen, whose timeline a route may redraw alone
  timelineMove: false, // the route is a move within the timeline (a page, a range): the keyboard stays there
  focusNext: false,
};

const main = () => document.getElementById("main");

function myStreet() {
  const parts = ((state.me && state.me.jurisdiction) || "").split("/");
  return parts.length > 1 ? parts[1] : null;
}

function myDistrict() {
  return ((state.me && state.me.jurisdiction) || "").split("/")[0] || null;
}

function stillCurrent(token) {
  return token === state.routeToken;
}

function mark(name) {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
  document.body.dataset[name.replace("lianjian:", "")] = "ready";
}

// -- shell: skip link, header, language switch ------------------------------------------------------------

function renderHeader() {
  const header = document.getElementById("site-header");
  const me = state.me;
  const nav = me ? h("nav", { "aria-label": t("navMain"), class: "site-nav" },
    h("ul", null,
      h("li", null, h("a", { href: "#/", "data-nav": "overview" }, t("navOverview"))),
      h("li", null, h("a", { href: "#/organizations", "data-nav": "organizations" }, t("navOrganizations"))),
      PAGES.filter((page) => page.nav && (!page.visible || page.visible(me))).map((page) => {
        const link = h("a", { href: `#${page.path}`, "data-nav": page.nav }, t(page.label));
        if (page.badge) page.badge(link, me);
        return h("li", null, link);
      }))) : null;
  const who = me ? h("p", { class: "who" },
    h("span", { class: "who-name" }, me.displayName || me.username),
    h("span", { class: "who-dept" }, [departmentName(me.department || "public"), jurisdictionName(me.jurisdiction)]
      .filter(Boolean).join(" · "))) : null;
  header.replaceChildren(...[
    h("div", { class: "brand" },
      h("a", { href: "#/", class: "brand-link" },
        h("span", { class: "brand-mark", "aria-hidden": "true" }, "联"),
        h("span", { class: "brand-text" }, h("strong", null, t("appName")), h("span", null, t("appTitle"))))),
    nav,
    h("div", { class: "tools" },
      who,
      h("button", {
        type: "button", class: "button ghost", id: "lang-switch", lang: getLang() === "en" ? "zh-CN" : "en",
        "aria-label": t("switchToLabel"), onclick: switchLanguage,
      }, t("switchTo")),
      me ? h("button", { type: "button", class: "button ghost", id: "sign-out", onclick: onSignOut }, t("signOut")) : null),
  ].filter(Boolean));
  document.querySelector(".skip-link").textContent = t("skip");
  const footer = document.getElementById("site-footer");
  footer.replaceChildren(h("p", null, t("timeNote")), h("p", null, t("apiNote")));
  highlightNav();
}

function jurisdictionName(jurisdiction) {
  if (!jurisdiction) return "";
  const [district, street] = jurisdiction.split("/");
  return street ? streetName(street) : label("district", district);
}

function highlightNav() {
  const route = parseRoute();
  const page = route && PAGES.find((p) => p.path === route.path);
  const current = page ? page.nav : route && route.path.startsWith("/org") ? "organizations" : "overview";
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function switchLanguage() {
  setLang(getLang() === "en" ? "zh-CN" : "en");
  renderHeader();
  if (state.me) route({ keepFocus: true });
  else showSignIn();
  document.getElementById("lang-switch").focus();
}

function onSignOut() {
  stopLive();
  state.me = null;
  state.orgIndex.clear();
  state.funding = null;
  if (!signOut()) {
    history.replaceState(null, "", "/#/");
    showSignIn();
  }
}

// -- sign-in -----------------------------------------------------------------------------------------

async function showSignIn(message) {
  stopLive();
  state.me = null;
  renderHeader();
  document.title = `${t("signInTitle")} · ${t("appName")}`;
  const config = getConfig();
  const body = h("section", { class: "sign-in card", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title", tabindex: "-1" }, t("signInTitle")),
    h("p", null, t("signInIntro")),
    message ? h("p", { class: "notice", role: "alert" }, message) : null);
  main().replaceChildren(body);
  if (config && config.devMode) {
    const list = h("ul", { class: "user-picker" });
    body.append(h("h2", null, t("devPickerTitle")), h("p", { class: "muted" }, t("devPickerNote")), list);
    try {
      const users = await devUsers();
      list.replaceChildren(...users.map((user) => h("li", null,
        h("button", {
          type: "button", class: "user-button", "data-username": user.username,
          onclick: () => signInAs(user.username),
        },
        h("span", { class: "user-name" }, `${user.name} `, h("span", { class: "user-id" }, user.username)),
        h("span", { class: "user-dept" }, [departmentName(user.department), jurisdictionName(user.jurisdiction)]
          .filter(Boolean).join(" · "))))));
    } catch (error) {
      list.replaceChildren(h("li", { class: "notice" }, t("labelled", { label: t("error"), text: error.message })));
    }
  } else {
    body.append(h("p", null, h("button", {
      type: "button", class: "button primary", id: "keycloak-sign-in",
      onclick: () => startKeycloakSignIn(getLang() === "en" ? "en" : "zh-CN"),
    }, t("signInKeycloak"))));
  }
}

async function signInAs(username) {
  const status = h("p", { role: "status" }, t("signingIn"));
  main().querySelector(".sign-in").append(status);
  try {
    await devSignIn(username);
    state.focusNext = true; // the sign-in page is gone: take the keyboard to the new page's heading
    await enter();
  } catch (error) {
    status.textContent = t("labelled", { label: t("signInFailed"), text: error.message });
  }
}

async function enter() {
  state.me = (await gql(ME)).me;
  state.orgIndex.clear();
  state.funding = null;
  renderHeader();
  if (!location.hash.startsWith("#/")) history.replaceState(null, "", "/#/");
  await route();
}

// -- routing -----------------------------------------------------------------------------------------------

function parseRoute() {
  const hash = location.hash || "#/";
  if (!hash.startsWith("#/")) return null;
  const [path, query = ""] = hash.slice(1).split("?");
  return { path, params: new URLSearchParams(query) };
}

function go(path, params) {
  const query = params ? new URLSearchParams([...params].filter(([, v]) => v !== "" && v !== null)).toString() : "";
  location.hash = query ? `${path}?${query}` : path;
}

async function route(options = {}) {
  const current = parseRoute();
  if (!current || !state.me) return;
  state.routeToken += 1;
  const token = state.routeToken;
  highlightNav();
  if (!current.path.startsWith("/overview") && current.path !== "/") stopLive();
  let work;
  if (current.path === "/" || current.path === "/overview") work = overviewPage(current.params, token);
  else if (current.path === "/organizations") work = organizationsPage(current.params, token);
  else if (current.path.startsWith("/org/")) {
    work = organizationPage(decodeURIComponent(current.path.slice(5)), current.params, token);
  }
  else if (PAGES.some((page) => page.path === current.path)) {
    work = PAGES.find((page) => page.path === current.path).render(current.params, token, shell);
  } else work = Promise.resolve(go("/"));
  // After a navigation (not the first load), the keyboard goes to the new page's heading, as soon as it is there.
  const moveFocus = (!state.firstRoute || state.focusNext) && !options.keepFocus && !state.timelineMove;
  const focusHeading = () => {
    const heading = moveFocus && stillCurrent(token) && main().querySelector("h1");
    if (heading) heading.focus();
    return Boolean(heading);
  };
  if (moveFocus && !focusHeading()) work.then(focusHeading, () => {});
  state.firstRoute = false;
  state.focusNext = false;
  state.timelineMove = false;
  try {
    await work;
  } catch (error) {
    if (stillCurrent(token)) {
      showError(error);
      focusHeading();
    }
  }
}

/** A problem shown where it happened, with a way to try again. */
function failure(error) {
  return h("div", { class: "notice", role: "alert" }, t("labelled", { label: t("error"), text: error.message }), " ",
    h("button", { type: "button", class: "button", onclick: () => route({ keepFocus: true }) }, t("retry")));
}

function showError(error) {
  if (error instanceof ApiError && error.code === "UNAUTHENTICATED") return;
  main().replaceChildren(h("section", { class: "card" },
    h("h1", { tabindex: "-1" }, t("error")),
    h("p", { class: "notice", role: "alert" }, error.message),
    h("p", null, h("button", { type: "button", class: "button", onclick: () => route() }, t("retry")))));
}

/** What a page module (pages.js) gets from the shell. */
const shell = { state, main, go, stillCurrent, failure, mark, route, myStreet, orgIndex, eventItem };

// -- data shared by pages ---------------------------------------------------------------------------------

const INDEX_SECONDS = 60; // how long the lists behind the charts and filters are reused before being asked again

/** Every organization the caller may see (in a street, or all), a page of 200 at a time; reused for a minute. */
function orgIndex(street) {
  const key = street || "";
  const held = state.orgIndex.get(key);
  if (!held || Date.now() - held.at > INDEX_SECONDS * 1000) {
    const promise = allPages(ORG_INDEX, { filter: street ? { street } : null },
      (data) => ({ items: data.organizations.edges.map((e) => e.node), pageInfo: data.organizations.pageInfo }));
    promise.catch(() => state.orgIndex.delete(key));
    state.orgIndex.set(key, { promise, at: Date.now() });
  }
  return state.orgIndex.get(key).promise;
}

function fundingIndex() {
  if (!state.funding || Date.now() - state.funding.at > INDEX_SECONDS * 1000) {
    const promise = gql(FUNDING, { first: FUNDING_LIMIT }).then((data) => ({
      projects: data.fundingProjects, truncated: data.fundingProjects.length >= FUNDING_LIMIT,
    }));
    promise.catch(() => {
      state.funding = null;
    });
    state.funding = { promise, at: Date.now() };
  }
  return state.funding.promise;
}

function stopLive() {
  if (state.live) {
    state.live.stop();
    state.live = null;
  }
}

// -- overview ------------------------------------------------------------------------------------------------

async function overviewPage(params, token) {
  // A street is named within its district: street codes repeat across districts.
  let place = { street: params.get("street") || myStreet(), district: params.get("district") || myDistrict() };
  const everyAlert = params.get("alerts") === "all"; // the feed shows open alerts unless asked for all
  const districtLevel = !myStreet();
  const heading = h("h1", { tabindex: "-1", id: "page-title" }, t("loading"));
  const toolbar = h("div", { class: "toolbar" });
  const figures = h("section", { class: "figures", "aria-labelledby": "figures-title" },
    h("h2", { id: "figures-title", class: "visually-hidden" }, t("navOverview")),
    h("p", { class: "muted" }, t("loading")));
  const alerts = alertSection(params, everyAlert);
  const charts = h("section", { class: "charts", "aria-labelledby": "charts-title" },
    h("h2", { id: "charts-title" }, t("chartsTitle")), h("p", { class: "muted" }, t("loading")));
  main().replaceChildren(
    h("div", { class: "page-head" }, heading, toolbar),
    h("div", { class: "overview-grid" }, figures, alerts.section),
    charts);

  if (!place.street) {
    const all = await orgIndex(null);
    if (!stillCurrent(token)) return;
    place = busiestStreet(all) || place;
  }
  const { street } = place;
  if (districtLevel) renderStreetPicker(toolbar, place, everyAlert).catch(() => {});
  heading.textContent = t("overviewTitle", { street: street ? streetName(street) : "" });
  document.title = `${heading.textContent} · ${t("appName")}`;

  const overviewPromise = street ? gql(OVERVIEW, place).then((d) => d.streetOverview) : Promise.reject(
    new ApiError([{ message: "no street", extensions: { code: "NOT_FOUND" } }]));
  const figuresDone = overviewPromise.then((overview) => {
    if (!stillCurrent(token)) return null;
    renderFigures(figures, overview);
    mark("lianjian:figures");
    return overview;
  }, (error) => {
    if (!stillCurrent(token)) return null;
    if (error instanceof ApiError && ["FORBIDDEN", "NOT_FOUND"].includes(error.code)) {
      figures.replaceChildren(h("p", { class: "notice" }, t("overviewForbidden", { code: error.code })));
      mark("lianjian:figures");
    } else {
      figures.replaceChildren(failure(error));
    }
    return null;
  });
  const alertsDone = startAlerts(alerts, token, place, everyAlert, () => refreshFigures(figures, place, token));
  const chartsDone = renderCharts(charts, street, overviewPromise.catch(() => null), token).catch((error) => {
    if (stillCurrent(token)) charts.replaceChildren(h("h2", { id: "charts-title" }, t("chartsTitle")), failure(error));
  });
  await Promise.all([figuresDone, alertsDone, chartsDone]);
}

/** The district and street with the most organizations: {district, street}, or null. */
function busiestStreet(nodes) {
  const counts = new Map();
  for (const node of nodes) {
    const key = `${node.district}/${node.street}`;
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const busiest = [...counts.entries()].sort((a, b) => b[1] - a[1])[0];
  if (!busiest) return null;
  const [district, street] = busiest[0].split("/");
  return { district, street };
}

async function renderStreetPicker(toolbar, place, everyAlert) {
  const all = await orgIndex(null);
  // Each option is a district's street ("district/street"): two districts may have a street of the same code.
  const streets = [...new Set(all.map((node) => `${node.district}/${node.street}`))].sort();
  const districts = new Set(streets.map((key) => key.split("/")[0]));
  const select = h("select", { id: "street-select", name: "street" },
    streets.map((key) => {
      const [district, street] = key.split("/");
      return h("option", { value: key, selected: street === place.street && district === place.district },
        districts.size > 1 ? `${label("district", district)} ${streetName(street)}` : streetName(street));
    }));
  toolbar.replaceChildren(h("form", {
    class: "inline-form",
    onsubmit: (event) => {
      event.preventDefault();
      const [district, street] = select.value.split("/");
      go("/", new URLSearchParams({ district, street, alerts: everyAlert ? "all" : "" }));
    },
  }, h("label", { for: "street-select" }, t("chooseStreet")), select,
  h("button", { type: "submit", class: "button" }, t("show"))));
}

function countOf(list, key) {
  const found = list.find((item) => item.key === key);
  return found ? found.count : 0;
}

function renderFigures(section, overview) {
  const registered = countOf(overview.byStatus, "registered");
  const filed = countOf(overview.byStatus, "filed");
  const street = overview.street; // each figure opens its rows (drill.js), of this street
  const kpi = (id, title, value, note, tone, href) => h("li", { class: ["kpi", tone], "data-kpi": id },
    h("span", { class: "kpi-label" }, title),
    h("span", { class: "kpi-value" }, href ? h("a", { href, class: "kpi-link" }, value) : value),
    note ? h("span", { class: "kpi-note" }, note) : null);
  const listed = overview.creditListed.length;
  section.replaceChildren(
    h("h2", { id: "figures-title", class: "section-title" }, t("overviewYear", { year: overview.year }),
      h("span", { class: "muted small" }, ` · ${t("figuresFrom", { when: nowText() })}`)),
    h("ul", { class: "kpis" },
      kpi("organizations", t("kpiOrganizations"), formatCount(overview.organizations),
        t("kpiOrganizationsNote", { registered: formatCount(registered), filed: formatCount(filed) })),
      kpi("party", t("kpiParty"), formatPercent(overview.party.coverage),
        t("kpiPartyNote", { with: overview.party.withPartyOrganization, active: overview.party.activeOrganizations,
          members: overview.party.partyMembers }), null, drillHref("/party", { street, gap: "NO_PARTY_ORGANIZATION" })),
      kpi("awarded", t("kpiFundingAwarded"), formatYuan(overview.funding.awarded),
        t("kpiFundingAwardedNote", { n: overview.funding.projectsAwarded }), null,
        drillHref("/funding", { street, year: overview.year, sort: "awarded" })),
      kpi("disbursed", t("kpiFundingDisbursed"), formatYuan(overview.funding.disbursed),
        t("kpiFundingDisbursedNote", { clawed: formatYuan(overview.funding.clawedBack) }), null,
        drillHref("/funding", { street, year: overview.year, sort: "disbursed" })),
      kpi("inspections", t("kpiOpenInspections"), formatCount(overview.openInspections), null, null,
        drillHref("/inspections", { street, status: "OPEN" })),
      kpi("overdue", t("kpiOverdue"), formatCount(overview.overdueRectifications), null,
        overview.overdueRectifications ? "warn" : null, drillHref("/inspections", { street, overdue: "1" })),
      kpi("listed", t("kpiCreditListed"), formatCount(listed), null, listed ? "warn" : null,
        drillHref("/organizations", { street, credit: "ANY" })),
      kpi("ended", t("kpiEnded"), formatCount(overview.ended), overview.byEndedStatus.length
        ? overview.byEndedStatus.map((item) => `${label("status", item.key)} ${formatCount(item.count)}`)
          .join(getLang() === "en" ? ", " : "、") : null)),
    h("div", { class: "breakdowns" },
      breakdown(t("byKind"), t("colKind"), overview.byKind, "kind", "kind", street),
      breakdown(t("byStatus"), t("colStatus"), overview.byStatus, "status", "status", street),
      breakdown(t("byCategory"), t("category"), overview.byCategory, "category", null, street)),
    creditListSection(overview.creditListed, street));
}

function breakdown(title, labelHeader, counts, table, filterKey, street) {
  const rows = [...counts].sort((a, b) => b.count - a.count).map((item) => ({
    label: item.key ? label(table, item.key) : t("noCommunity"),
    value: item.count,
    display: formatCount(item.count),
    href: filterKey && item.key ? drillHref("/organizations", { street, [filterKey]: item.key }) : null,
  }));
  return barTable({ title, labelHeader, valueHeader: t("count"), rows, className: `breakdown-${table}` });
}

function creditListSection(entries, street) {
  return h("section", { class: "credit-list", "aria-labelledby": "credit-title" },
    h("h3", { id: "credit-title", class: "chart-title" },
      h("a", { href: drillHref("/organizations", { street, credit: "ANY" }) }, t("creditListTitle"))),
    entries.length === 0 ? h("p", { class: "muted" }, t("creditListEmpty")) :
      h("ul", { class: "plain-list" }, entries.map((entry) => h("li", null,
        h("a", { href: `#/org/${encodeURIComponent(entry.organizationId)}` }, entry.name), " ",
        creditBadges({ onAbnormalList: entry.onAbnormalList, onSeriousList: entry.onSeriousList }, false)))));
}

let refreshTimer = null;
function refreshFigures(section, place, token) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(async () => {
    try {
      const overview = (await gql(OVERVIEW, place)).streetOverview;
      if (stillCurrent(token)) renderFigures(section, overview);
    } catch {
      /* the figures stay as they were; the next change tries again */
    }
  }, 300);
}

// -- the alert feed (live) ------------------------------------------------------------------------------------

function alertSection(params, everyAlert) {
  const status = h("p", { class: "live-state", "data-live": "connecting" },
    h("span", { class: "dot", "aria-hidden": "true" }), h("span", { class: "live-text" }, t("liveConnecting")));
  const announcer = h("p", { class: "visually-hidden", role: "status", "aria-live": "polite", id: "alert-announcer" });
  const list = h("ol", { class: "alert-feed", id: "alert-feed", "aria-live": "polite", "aria-relevant": "additions",
    "aria-labelledby": "alerts-title", "data-shown": everyAlert ? "all" : "open" });
  const link = (every) => {
    const query = new URLSearchParams(params);
    query.delete("alerts");
    if (every) query.set("alerts", "all");
    return h("a", { href: query.toString() ? `#/?${query}` : "#/", "aria-current": every === everyAlert ? "true" : null,
      "data-alerts": every ? "all" : "open" }, t(every ? "alertsAll" : "alertsOpen"));
  };
  const section = h("section", { class: "alerts card", "aria-labelledby": "alerts-title" },
    h("div", { class: "alerts-head" }, h("h2", { id: "alerts-title" }, t("alertsTitle")), status),
    h("nav", { class: "alert-toggle", "aria-label": t("alertsShown") }, link(false), link(true)),
    downloadButtons("ALERTS"),
    announcer,
    h("p", { class: "muted" }, t("loading")),
    list);
  return { section, status, list, announcer };
}

function setLiveState(status, value) {
  status.dataset.live = value;
  status.querySelector(".live-text").textContent = t(
    { connecting: "liveConnecting", open: "liveOn", reconnecting: "liveOff", closed: "liveOff" }[value] || "liveConnecting");
}

/** The alert's text in the page's language (the rules write theirs in Chinese; the API words it in English). */
function alertText(alert) {
  return getLang() === "en" ? alert.messageEn : alert.message;
}

function alertItem(alert, fresh) {
  return h("li", { class: ["alert-item", fresh ? "fresh" : null], "data-alert-id": alert.id, "data-status": alert.status },
    h("div", { class: "alert-meta" },
      h("span", { class: "badge rule" }, label("rule", alert.rule)),
      h("span", { class: ["badge", `status-${alert.status}`] }, label("alertStatus", alert.status)),
      fresh ? h("span", { class: "badge new" }, t("newAlert")) : null,
      h("time", { datetime: alert.raisedOn }, formatDate(alert.raisedOn))),
    h("p", { class: "alert-message" }, alertText(alert)),
    h("p", { class: "alert-foot" },
      h("a", { href: `#/org/${encodeURIComponent(alert.organizationId)}` }, alert.organizationName || alert.organizationId),
      h("span", { class: "muted" }, ` · ${t("alertDepartments", {
        departments: alert.departments.map(departmentName).join(getLang() === "en" ? ", " : "、"),
      })}`)));
}

/** The feed made to show ``alerts`` in their order, keeping the items still shown (a live region reads out
 * only what is added); returns the alerts never shown before on this page, which are marked new. */
function reconcileFeed(list, alerts, seen) {
  const shown = new Map([...list.children].map((item) => [item.dataset.alertId, item]));
  const fresh = [];
  let previous = null;
  for (const alert of alerts) {
    let item = shown.get(alert.id);
    shown.delete(alert.id);
    if (!item || item.dataset.status !== alert.status) {
      const isNew = !seen.has(alert.id);
      if (isNew) fresh.push(alert);
      seen.add(alert.id);
      const made = alertItem(alert, isNew || Boolean(item && item.classList.contains("fresh")));
      if (item) item.replaceWith(made);
      item = made;
    }
    const wanted = previous ? previous.nextSibling : list.firstChild;
    if (wanted !== item) list.insertBefore(item, wanted);
    previous = item;
  }
  for (const item of shown.values()) item.remove();
  return fresh;
}

async function startAlerts(feed, token, place, everyAlert, onChange) {
  stopLive();
  const seen = new Set();
  const placeholder = feed.section.querySelector("p.muted");
  let list = feed.list;

  const load = async () => {
    const data = await gql(ALERTS, { first: ALERTS_SHOWN, openOnly: !everyAlert, ...place });
    return data.alerts.alerts;
  };
  const showEmpty = (alerts) => {
    placeholder.textContent = alerts.length ? "" : t(everyAlert ? "alertsEmpty" : "alertsNoneOpen");
    placeholder.hidden = alerts.length > 0;
  };
  try {
    const initial = await load();
    if (!stillCurrent(token)) return;
    initial.forEach((alert) => seen.add(alert.id));
    // A region inserted with its content is not read out; what is added later is.
    const filled = list.cloneNode(false);
    filled.replaceChildren(...initial.map((alert) => alertItem(alert, false)));
    list.replaceWith(filled);
    list = filled;
    showEmpty(initial);
  } catch (error) {
    if (!stillCurrent(token)) return;
    placeholder.textContent = error instanceof ApiError && error.code === "FORBIDDEN" ? t("alertsForbidden") : error.message;
    setLiveState(feed.status, "closed");
    return;
  }

  // Any event about an organization of the street (a listing, a penalty, an alert raised or resolved) reads the
  // feed and the figures again, a moment later, once for a burst of them.
  let timer = null;
  const reload = async () => {
    const alerts = await load();
    if (!stillCurrent(token)) return;
    const fresh = reconcileFeed(list, alerts, seen);
    showEmpty(alerts);
    if (fresh.length) feed.announcer.textContent = t("newAlertAnnounce", { message: alertText(fresh[0]) });
    list.dataset.read = String(Number(list.dataset.read || 0) + 1);
  };
  const changed = () => {
    onChange();
    clearTimeout(timer);
    timer = setTimeout(() => reload().catch(() => { /* the feed stays; the next change tries again */ }), 300);
  };
  const live = new Subscription(CHANGED, place.street ? place : {}, {
    onData: changed,
    onState: (value) => setLiveState(feed.status, value),
    onReconnect: changed, // what was missed while the socket was down
    onError: () => setLiveState(feed.status, "closed"),
  });
  state.live = live;
  live.start();
}

// -- charts ------------------------------------------------------------------------------------------------------

async function renderCharts(section, street, overviewPromise, token) {
  const [nodes, overview] = await Promise.all([orgIndex(street), overviewPromise]);
  let funding = null;
  try {
    funding = await fundingIndex();
  } catch (error) {
    if (!(error instanceof ApiError && error.code === "FORBIDDEN")) throw error;
  }
  if (!stillCurrent(token)) return;
  const year = overview ? overview.year : new Date().getFullYear();
  const parts = [h("h2", { id: "charts-title" }, t("chartsTitle"))];
  const grid = h("div", { class: "chart-grid" });
  parts.push(grid);

  // Registered and filed per year, from registeredOn / filedOn of the organizations pages.
  const registered = new Map();
  const filed = new Map();
  for (const node of nodes) {
    const r = yearOf(node.registeredOn);
    const f = yearOf(node.filedOn);
    if (r) registered.set(r, (registered.get(r) || 0) + 1);
    if (f) filed.set(f, (filed.get(f) || 0) + 1);
  }
  const years = [...registered.keys(), ...filed.keys()];
  if (years.length) {
    const span = range(Math.min(...years), Math.max(year, ...years));
    grid.append(columnChart({
      title: t("chartRegistered"),
      description: span.map((y) => `${y}: ${t("seriesRegistered")} ${registered.get(y) || 0}, ${t("seriesFiled")} ${filed.get(y) || 0}`).join("; "),
      categories: span.map(String),
      categoryHeader: t("year"),
      integer: true,
      formatTick: (v) => formatCount(v),
      series: [
        { name: t("seriesRegistered"), className: "s-registered", values: span.map((y) => registered.get(y) || 0),
          labels: span.map((y) => formatCount(registered.get(y) || 0)) },
        { name: t("seriesFiled"), className: "s-filed", values: span.map((y) => filed.get(y) || 0),
          labels: span.map((y) => formatCount(filed.get(y) || 0)) },
      ],
    }));
  }

  // Funding per year (by the year awarded), from fundingProjects, in exact fen.
  if (funding) {
    const ids = new Set(nodes.map((node) => node.id));
    const awarded = new Map();
    const disbursed = new Map();
    for (const project of funding.projects) {
      if (!ids.has(project.organizationId) || !project.awardedOn || project.amount === null) continue;
      const y = yearOf(project.awardedOn);
      awarded.set(y, (awarded.get(y) || 0n) + (toFen(project.amount) || 0n));
      disbursed.set(y, (disbursed.get(y) || 0n) + (toFen(project.disbursed) || 0n));
    }
    if (awarded.size) {
      const span = range(Math.min(...awarded.keys()), Math.max(...awarded.keys()));
      const fen = (map, y) => map.get(y) || 0n;
      grid.append(columnChart({
        title: t("chartFunding"),
        description: span.map((y) => `${y}: ${t("seriesAwarded")} ${formatFen(fen(awarded, y))}, ${t("seriesDisbursed")} ${formatFen(fen(disbursed, y))}`).join("; "),
        categories: span.map(String),
        categoryHeader: t("year"),
        formatTick: compactYuan,
        series: [
          { name: t("seriesAwarded"), className: "s-awarded", values: span.map((y) => Number(fen(awarded, y)) / 100),
            labels: span.map((y) => formatFen(fen(awarded, y))) },
          { name: t("seriesDisbursed"), className: "s-disbursed", values: span.map((y) => Number(fen(disbursed, y)) / 100),
            labels: span.map((y) => formatFen(fen(disbursed, y))) },
        ],
      }));
      if (funding.truncated) grid.append(h("p", { class: "muted small" }, t("fundingTruncated", { n: FUNDING_LIMIT })));
    }
  }

  // Organizations per community: the overview's counts, or counted from the organizations pages.
  let communities = overview ? overview.byCommunity.map((c) => [c.key, c.count]) : null;
  if (!communities) {
    const counts = new Map();
    for (const node of nodes) counts.set(node.community || "", (counts.get(node.community || "") || 0) + 1);
    communities = [...counts.entries()];
  }
  communities.sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0]), "zh-CN"));
  grid.append(barTable({
    title: t("chartCommunity"), labelHeader: t("community"), valueHeader: t("count"), className: "community-chart",
    rows: communities.map(([key, count]) => ({
      label: key || t("noCommunity"), value: count, display: formatCount(count),
      href: key ? `#/organizations?${new URLSearchParams({ community: key })}` : null,
    })),
  }));
  section.replaceChildren(...parts);
  mark("lianjian:charts");
}

function range(from, to) {
  const out = [];
  for (let y = from; y <= to; y += 1) out.push(y);
  return out;
}

function compactYuan(value) {
  if (value === 0) return "0";
  if (getLang() === "en") return value >= 1000 ? `¥${formatCount(value / 1000)}k` : `¥${formatCount(value)}`;
  return value >= 10000 ? `${formatCount(value / 10000)}万` : formatCount(value);
}

// -- organization list ----------------------------------------------------------------------------------------------

const FILTER_KEYS = ["name", "street", "kind", "status", "community", "credit", "grade"];
const TRAIL_KEY = "lianjian.cursors";

function cursorTrail(filterKey) {
  try {
    const all = JSON.parse(sessionStorage.getItem(TRAIL_KEY) || "{}");
    return all[filterKey] || {};
  } catch {
    return {};
  }
}

function saveCursor(filterKey, page, cursor) {
  let all = {};
  try {
    all = JSON.parse(sessionStorage.getItem(TRAIL_KEY) || "{}");
  } catch {
    all = {};
  }
  all = { [filterKey]: { ...(all[filterKey] || {}), [page]: cursor } };
  sessionStorage.setItem(TRAIL_KEY, JSON.stringify(all));
}

async function organizationsPage(params, token) {
  const values = Object.fromEntries(FILTER_KEYS.map((key) => [key, params.get(key) || ""]));
  const filterKey = FILTER_KEYS.map((key) => `${key}=${values[key]}`).join("&");
  let page = Math.max(1, Number(params.get("page")) || 1);
  const trail = cursorTrail(filterKey);
  const after = page > 1 ? trail[page] : null;
  if (page > 1 && !after) page = 1;

  document.title = `${t("orgsTitle")} · ${t("appName")}`;
  const results = h("div", { class: "results" }, h("p", { class: "muted" }, t("loading")));
  const form = filterForm(values);
  const filter = {};
  if (values.name) filter.name = values.name;
  if (values.street) filter.street = values.street;
  if (values.kind) filter.kind = values.kind;
  if (values.status) filter.status = values.status;
  if (values.community) filter.community = values.community;
  if (values.credit) filter.creditList = values.credit;
  if (values.grade) filter.grade = Number(values.grade);
  main().replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, t("orgsTitle")),
      downloadButtons("ORGANIZATIONS", () => ({ filter }))),
    form,
    results);
  fillCommunities(form, values.community, token);

  const data = await gql(ORG_LIST, { filter, first: PAGE_SIZE, after: page > 1 ? after : null });
  if (!stillCurrent(token)) return;
  const connection = data.organizations;
  const rows = connection.edges.map((edge) => edge.node);
  const pages = Math.max(1, Math.ceil(connection.totalCount / PAGE_SIZE));
  const navigate = (target, cursor) => {
    if (cursor) saveCursor(filterKey, target, cursor);
    go("/organizations", new URLSearchParams({ ...values, page: target > 1 ? String(target) : "" }));
  };
  results.replaceChildren(
    h("p", { class: "result-count", role: "status", id: "result-count" },
      `${t("total", { n: formatCount(connection.totalCount) })} · ${t("pageOf", { page })} / ${pages}`),
    rows.length === 0 ? h("p", { class: "muted" }, t("noResults")) : h("div", { class: "table-wrap" },
      h("table", { class: "data org-table stack-table", id: "org-table" },
        h("caption", { class: "visually-hidden" }, t("orgsTitle")),
        h("thead", null, h("tr", null,
          [t("colName"), t("colKind"), t("colStatus"), t("colStreet"), t("colCommunity"), t("colGrade"), t("colCredit")]
            .map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", null, rows.map((org) => h("tr", null,
          h("th", { scope: "row", "data-label": t("colName") },
            h("a", { href: `#/org/${encodeURIComponent(org.id)}` }, org.name)),
          h("td", { "data-label": t("colKind") }, label("kind", org.kind)),
          h("td", { "data-label": t("colStatus") }, label("status", org.status)),
          h("td", { "data-label": t("colStreet"), class: "col-street" }, streetName(org.street)),
          h("td", { "data-label": t("colCommunity") }, org.community || "—"),
          h("td", { "data-label": t("colGrade") }, org.grade || "—"),
          h("td", { "data-label": t("colCredit") }, creditBadges(org.credit, true))))))),
    h("nav", { class: "pager", "aria-label": t("pageOf", { page: "" }).trim() },
      h("button", { type: "button", class: "button", disabled: page <= 1, onclick: () => navigate(page - 1) }, t("prev")),
      h("span", { class: "muted" }, `${page} / ${pages}`),
      h("button", {
        type: "button", class: "button", id: "next-page", disabled: !connection.pageInfo.hasNextPage,
        onclick: () => navigate(page + 1, connection.pageInfo.endCursor),
      }, t("next"))));
}

function filterForm(values) {
  const select = (name, text, options) => h("div", { class: "field" },
    h("label", { for: `f-${name}` }, text),
    h("select", { id: `f-${name}`, name },
      h("option", { value: "" }, t("filterAny")),
      options.map(([value, shown]) => h("option", { value, selected: value === values[name] }, shown))));
  const form = h("form", {
    class: "filters card", role: "search", "aria-label": t("orgsTitle"),
    onsubmit: (event) => {
      event.preventDefault();
      const data = new FormData(form);
      go("/organizations", new URLSearchParams(FILTER_KEYS.map((key) => [key, String(data.get(key) || "").trim()])));
    },
  },
  h("div", { class: "field grow" },
    h("label", { for: "f-name" }, t("search")),
    h("input", { id: "f-name", name: "name", type: "search", value: values.name, placeholder: t("searchPlaceholder"),
      autocomplete: "off" })),
  myStreet() ? null : select("street", t("colStreet"), codes("street").map((code) => [code, streetName(code)])),
  select("kind", t("filterKind"), codes("kind").map((code) => [code, label("kind", code)])),
  select("status", t("filterStatus"), codes("status").map((code) => [code, label("status", code)])),
  select("community", t("filterCommunity"), values.community ? [[values.community, values.community]] : []),
  select("credit", t("filterCredit"), [["ABNORMAL", t("abnormalList")], ["SERIOUS", t("seriousList")],
    ["ANY", t("creditAny")]]),
  select("grade", t("filterGrade"), ["5", "4", "3", "2", "1"].map((g) => [g, `${g}A`])),
  h("div", { class: "field actions" },
    h("button", { type: "submit", class: "button primary" }, t("apply")),
    h("button", { type: "button", class: "button", onclick: () => go("/organizations") }, t("reset"))));
  return form;
}

async function fillCommunities(form, current, token) {
  try {
    const nodes = await orgIndex(myStreet());
    if (!stillCurrent(token)) return;
    // The one chosen stays among the options even if no organization in reach has it (a link's).
    const communities = [...new Set([...nodes.map((node) => node.community), current].filter(Boolean))]
      .sort((a, b) => a.localeCompare(b, "zh-CN"));
    const select = form.querySelector("#f-community");
    select.replaceChildren(h("option", { value: "" }, t("filterAny")),
      ...communities.map((c) => h("option", { value: c, selected: c === current }, c)));
  } catch {
    /* the community filter keeps the one chosen */
  }
}

// -- one organization -------------------------------------------------------------------------------------------------

function creditBadges(credit, compact) {
  const badges = [];
  if (credit.onSeriousList) badges.push(h("span", { class: "badge serious" }, t("seriousList")));
  if (credit.onAbnormalList) badges.push(h("span", { class: "badge abnormal" }, t("abnormalList")));
  if (!badges.length && !compact) badges.push(h("span", { class: "badge good" }, t("creditGood")));
  if (!badges.length) return h("span", { class: "muted" }, "—");
  return h("span", { class: "badges" }, badges);
}

function facts(pairs) {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  if (!shown.length) return h("p", { class: "muted" }, t("noneVisible"));
  return h("dl", { class: "facts" }, shown.map(([term, value]) => [h("dt", null, term), h("dd", null, value)]));
}

function panel(title, ...content) {
  return h("section", { class: "panel card", "aria-label": title }, h("h3", null, title), ...content);
}

async function organizationPage(id, params, token) {
  const shown = state.shownOrg;
  if (shown && shown.id === id && main().contains(shown.timeline)) {
    await renderTimeline(shown.timeline, id, params, token); // the same organization: its timeline moved
    return;
  }
  state.shownOrg = null;
  main().replaceChildren(h("p", { class: "muted" }, t("loading")));
  let org;
  try {
    org = (await gql(ORGANIZATION, { id })).organization;
  } catch (error) {
    if (!stillCurrent(token)) return;
    if (error instanceof ApiError && error.code === "NOT_FOUND") {
      main().replaceChildren(h("h1", { tabindex: "-1" }, t("error")), h("p", { class: "notice" }, t("notFound")),
        h("p", null, h("a", { href: "#/organizations" }, t("backToList"))));
      return;
    }
    throw error;
  }
  if (!stillCurrent(token)) return;
  document.title = `${org.name} · ${t("appName")}`;
  const timeline = h("section", { class: "timeline card", "aria-labelledby": "timeline-title" },
    h("h2", { id: "timeline-title" }, t("timelineTitle")), h("p", { class: "muted" }, t("loading")));
  const person = org.legalRepresentative
    ? [org.legalRepresentative.name, org.legalRepresentative.idNumber, org.legalRepresentative.phone].filter(Boolean).join(" · ")
    : null;
  main().replaceChildren(
    h("p", { class: "crumbs" }, h("a", { href: "#/organizations" }, `← ${t("backToList")}`)),
    h("div", { class: "org-head" },
      h("h1", { tabindex: "-1" }, org.name),
      h("p", { class: "badges" },
        h("span", { class: "badge kind" }, label("kind", org.kind)),
        h("span", { class: ["badge", `org-${org.status}`] }, label("status", org.status)),
        org.grade ? h("span", { class: "badge grade" }, org.grade) : null,
        creditBadges(org.credit, false),
        org.underInvestigation ? h("span", { class: "badge abnormal" }, t("underInvestigation")) : null)),
    h("section", { "aria-labelledby": "status-title" },
      h("h2", { id: "status-title" }, t("statusAcross")),
      h("div", { class: "panels" },
        panel(t("panelRegistry"), facts([
          [t("status"), label("status", org.status)],
          [t("creditCode"), org.creditCode],
          [t("registeredOn"), formatDate(org.registeredOn)],
          [t("filedOn"), formatDate(org.filedOn)],
          [t("endedOn"), formatDate(org.endedOn)],
          [t("grade"), org.grade ? t("gradeValid", { grade: org.grade, until: formatDate(org.gradeValidUntil) }) : t("noGrade")],
          [t("domicile"), org.domicile],
          [t("legalRepresentative"), person],
          [t("supervisingUnit"), org.supervisingUnit],
          [t("funds"), org.funds ? formatYuan(org.funds) : null],
          [t("purpose"), org.purpose],
          [t("businessScope"), org.businessScope],
        ])),
        h("div", { class: "panel-stack" }, panel(t("panelStreet"), facts([
          [t("street"), [label("district", org.district), streetName(org.street)].join(" ")],
          [t("community"), org.community],
          [t("category"), org.category ? label("category", org.category) : null],
          [t("role"), org.role ? label("role", org.role) : null],
        ])),
        panel(t("panelCredit"), facts([
          [t("abnormalList"),
            org.credit.onAbnormalList ? t("abnormalSince", { date: formatDate(org.credit.abnormalListedOn) }) : t("no")],
          [t("seriousList"),
            org.credit.onSeriousList ? t("seriousSince", { date: formatDate(org.credit.seriousListedOn) }) : t("no")],
        ])),
        panel(t("panelParty"), facts([
          [t("partyMembers"), org.partyMembers === null || org.partyMembers === undefined ? null : formatCount(org.partyMembers)],
          [t("partyOrganization"), org.partyOrganization ? label("partyForm", org.partyOrganization)
            : org.partyMembers !== null && org.partyMembers !== undefined ? t("nonePartyOrganization") : null],
        ]))),
        panel(t("panelFunding"), fundingTable(org.fundingProjects)),
        panel(t("panelInspections"), inspectionsTable(org.inspections), penaltiesTable(org.penalties)))),
    timeline);
  state.shownOrg = { id, timeline };
  await renderTimeline(timeline, id, params, token);
}

function simpleTable(caption, headers, rows) {
  if (!rows.length) return null;
  return h("div", { class: "table-wrap" }, h("table", { class: "data compact stack-table" },
    h("caption", { class: "visually-hidden" }, caption),
    h("thead", null, h("tr", null, headers.map(([text, numeric]) => h("th", { scope: "col", class: numeric ? "num" : null }, text)))),
    h("tbody", null, rows.map((cells) => h("tr", null, cells.map(([value, numeric], i) =>
      i === 0 ? h("th", { scope: "row", "data-label": headers[0][0] }, value)
        : h("td", { class: numeric ? "num" : null, "data-label": headers[i][0] }, value)))))));
}

function fundingTable(projects) {
  if (!projects.length) return h("p", { class: "muted" }, t("noneVisible"));
  return simpleTable(t("panelFunding"),
    [[t("projectName")], [t("amount"), true], [t("disbursed"), true], [t("status")], [t("period")]],
    projects.map((p) => [
      [p.projectName],
      [p.amount === null ? "—" : formatYuan(p.amount), true],
      [p.disbursed === null ? "—" : formatYuan(p.disbursed), true],
      [p.status ? label("fundingStatus", p.status) : "—"],
      [p.periodStart ? `${formatDate(p.periodStart)} – ${formatDate(p.periodEnd)}` : "—"],
    ]));
}

function inspectionsTable(cases) {
  if (!cases.length) return h("p", { class: "muted" }, t("labelled", { label: t("inspectionsLabel"), text: t("noneVisible") }));
  return simpleTable(t("inspectionsLabel"),
    [[t("subject")], [t("openedOn")], [t("status")], [t("rectification")], [t("deadline")]],
    cases.map((c) => [
      [c.subject || label("caseStatus", c.status)],
      [formatDate(c.openedOn)],
      [label("caseStatus", c.status)],
      [c.rectification ? label("rectification", c.rectification) : "—"],
      [c.deadline ? formatDate(c.deadline) : "—"],
    ]));
}

function penaltiesTable(penalties) {
  if (!penalties.length) return h("p", { class: "muted" }, t("labelled", { label: t("penalties"), text: t("noneVisible") }));
  return simpleTable(t("penalties"),
    [[t("penaltyKind")], [t("imposedOn")], [t("amount"), true], [t("department")], [t("executed")]],
    penalties.map((p) => [
      [label("penalty", p.kind)],
      [formatDate(p.imposedOn)],
      [p.amount ? formatYuan(p.amount) : "—", true],
      [departmentName(p.department)],
      [p.executed === null || p.executed === undefined ? "—" : p.executed ? t("yes") : t("no")],
    ]));
}

// -- the timeline: every event with who, when, why and the legal basis -------------------------------------------------

const TIMELINE_PAGE = 20;
const TIMELINE_KEYS = ["order", "from", "to", "dept", "page"];
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/** The timeline's choices from the address: order ("oldest", else newest first), from/to (dates), dept, page. */
function timelineChoices(params) {
  const date = (key) => (DATE_TEXT.test(params.get(key) || "") ? params.get(key) : "");
  return {
    order: params.get("order") === "oldest" ? "oldest" : "",
    from: date("from"),
    to: date("to"),
    dept: params.get("dept") || "",
    page: Math.max(1, Math.floor(Number(params.get("page"))) || 1),
  };
}

async function renderTimeline(section, id, params, token) {
  const chosen = timelineChoices(params);
  const move = (changes) => {
    const next = { ...chosen, page: 1, ...changes };
    state.timelineMove = true;
    go(`/org/${encodeURIComponent(id)}`, new URLSearchParams(TIMELINE_KEYS.map((key) =>
      [key, key === "page" && next.page === 1 ? "" : String(next[key])])));
  };
  const title = h("h2", { id: "timeline-title", tabindex: "-1" }, t("timelineTitle"));
  const dept = h("select", { id: "timeline-dept", onchange: () => move({ dept: dept.value }) },
    h("option", { value: "" }, t("filterAny")),
    codes("department").filter((d) => !["public", "partner"].includes(d))
      .map((d) => h("option", { value: d, selected: d === chosen.dept }, departmentName(d))));
  const from = h("input", { type: "date", id: "timeline-from", name: "from", value: chosen.from });
  const to = h("input", { type: "date", id: "timeline-to", name: "to", value: chosen.to });
  const newest = chosen.order !== "oldest";
  const controls = h("form", {
    class: "timeline-controls inline-form", "aria-label": t("timelineControls"),
    onsubmit: (event) => {
      event.preventDefault();
      move({ from: from.value, to: to.value });
    },
  },
  h("label", { for: "timeline-dept" }, t("department")), dept,
  h("label", { for: "timeline-from" }, t("dateFrom")), from,
  h("label", { for: "timeline-to" }, t("dateTo")), to,
  h("button", { type: "submit", class: "button" }, t("apply")),
  h("button", { type: "button", class: "button", id: "timeline-order", "aria-pressed": String(newest),
    onclick: () => move({ order: newest ? "oldest" : "" }) }, t("newestFirst")));
  const head = h("div", { class: "timeline-head" }, title, controls);
  const note = h("p", { class: "muted small" }, t("timelineNote"));

  let history;
  try {
    history = (await gql(HISTORY, {
      id, first: TIMELINE_PAGE, skip: (chosen.page - 1) * TIMELINE_PAGE, order: newest ? "NEWEST_FIRST" : "OLDEST_FIRST",
      from: chosen.from || null, to: chosen.to || null, department: chosen.dept || null,
    })).organizationHistory;
  } catch (error) {
    if (!stillCurrent(token)) return;
    if (error instanceof ApiError && ["FORBIDDEN", "NOT_FOUND"].includes(error.code)) {
      section.replaceChildren(h("h2", { id: "timeline-title" }, t("timelineTitle")),
        h("p", { class: "notice" }, t("timelineForbidden", { code: error.code })));
      return;
    }
    if (error instanceof ApiError && error.code === "BAD_USER_INPUT") { // e.g. a range that ends before it starts
      section.replaceChildren(head, note, h("p", { class: "notice", role: "alert" }, error.message));
      mark("lianjian:timeline");
      return;
    }
    throw error;
  }
  if (!stillCurrent(token)) return;
  const pages = Math.max(1, Math.ceil(history.totalCount / TIMELINE_PAGE));
  const count = h("p", { class: "muted", role: "status", id: "timeline-count" },
    `${t("events", { n: formatCount(history.totalCount) })} · ${t("pageOf", { page: chosen.page })} / ${pages}`);
  const pager = h("nav", { class: "pager", "aria-label": t("timelinePages") },
    h("button", { type: "button", class: "button", id: "timeline-prev", disabled: chosen.page <= 1,
      onclick: () => move({ page: chosen.page - 1 }) }, t("prev")),
    h("span", { class: "muted" }, `${chosen.page} / ${pages}`),
    h("button", { type: "button", class: "button", id: "timeline-next", disabled: !history.pageInfo.hasNextPage,
      onclick: () => move({ page: chosen.page + 1 }) }, t("next")));
  const wasMove = section.contains(document.activeElement);
  section.replaceChildren(head, note, count,
    history.events.length ? h("ol", { class: "events", id: "timeline" }, history.events.map(eventItem))
      : h("p", { class: "muted" }, t("timelineEmpty")),
    history.totalCount > TIMELINE_PAGE ? pager : null);
  if (wasMove) title.focus(); // the control that moved the timeline was redrawn: the keyboard goes to its heading
  mark("lianjian:timeline");
}

const MONEY_FIELDS = new Set(["amount", "funds"]);
const DATE_FIELDS = new Set(["period_start", "period_end", "deadline", "valid_until", "verified_on", "liquidation_completed_on"]);
const HIDDEN_FIELDS = new Set(["causes", "subject_id", "message", "district"]);

function fieldValue(key, value, type) {
  if (value === null || value === undefined || value === "") return null;
  if (MONEY_FIELDS.has(key)) return formatYuan(value);
  if (DATE_FIELDS.has(key)) return formatDate(value);
  if (typeof value === "boolean") return value ? t("yes") : t("no");
  if (key === "kind") return type.startsWith("Organization.PenaltyImposed") ? label("penalty", value) : label("kind", value);
  if (key === "result") return label("inspectionResult", value);
  if (key === "form") return label("partyForm", value);
  if (key === "ground") return label("ground", value);
  if (key === "how") return label("how", value);
  if (key === "rule") return label("rule", value);
  if (key === "role") return label("role", value);
  if (key === "street") return streetName(value);
  if (key === "category") return label("category", value);
  if (key === "grade") return `${value}A`;
  if (key === "departments" && Array.isArray(value)) return value.map(departmentName).join("、");
  if (Array.isArray(value)) return value.join("、");
  if (typeof value === "object") {
    if ("name" in value && ("id_number" in value || "phone" in value)) {
      return [value.name, value.id_number, value.phone].filter(Boolean).join(" · ");
    }
    return Object.entries(value).map(([k, v]) => `${label("field", k)}: ${fieldValue(k, v, type) ?? "—"}`).join("；");
  }
  return String(value);
}

function eventItem(event) {
  const details = Object.entries(event.data || {})
    .filter(([key]) => !HIDDEN_FIELDS.has(key) && !key.endsWith("_id") && !(key === "subject" && event.type.startsWith("Alert.")))
    .map(([key, value]) => [label("field", key), fieldValue(key, value, event.type)])
    .filter(([, value]) => value !== null);
  const actor = event.actor;
  return h("li", { class: ["event", `dept-${actor.department || "none"}`], "data-type": event.type },
    h("div", { class: "event-when" },
      h("time", { datetime: event.occurredOn || event.recordedAt }, formatDate(event.occurredOn || event.recordedAt)),
      h("span", { class: "event-recorded" }, `${t("recordedAt")} `,
        h("time", { datetime: event.recordedAt }, formatDateTime(event.recordedAt)))),
    h("div", { class: "event-body" },
      h("h3", { class: "event-title" }, label("event", event.type),
        hasLabel("event", event.type) ? null : h("span", { class: "muted" }, ` (${event.type})`)),
      h("dl", { class: "event-facts" },
        h("dt", null, t("who")),
        h("dd", { class: "event-who" }, getLang() === "en"
          ? `${actor.username || "—"} (${departmentName(actor.department)})`
          : `${actor.username || "—"}（${departmentName(actor.department)}）`),
        event.reason ? [h("dt", null, t("why")), h("dd", { class: "event-why" }, event.reason)] : null,
        event.legalBasis ? [h("dt", null, t("basis")), h("dd", { class: "event-basis" }, event.legalBasis)] : null),
      details.length ? h("details", { class: "event-details" },
        h("summary", null, t("details")),
        h("dl", { class: "facts" }, details.map(([term, value]) => [h("dt", null, term), h("dd", null, value)]))) : null));
}

// -- start -------------------------------------------------------------------------------------------------

async function boot() {
  setLang(getLang());
  document.querySelector(".skip-link").addEventListener("click", (event) => {
    event.preventDefault();
    const target = main().querySelector("h1") || main();
    target.focus();
  });
  whenUnauthenticated(() => {
    if (state.me) {
      clearSession();
      showSignIn(t("sessionExpired"));
    }
  });
  window.addEventListener("hashchange", () => route());
  renderHeader();
  try {
    await loadConfig();
  } catch (error) {
    showError(error);
    return;
  }
  try {
    await completeKeycloakSignIn();
  } catch (error) {
    showSignIn(t("labelled", { label: t("signInFailed"), text: error.message }));
    return;
  }
  if (!(await freshToken())) {
    showSignIn();
    return;
  }
  try {
    await enter();
  } catch (error) {
    if (error instanceof ApiError && error.code === "UNAUTHENTICATED") showSignIn(t("sessionExpired"));
    else showError(error);
  }
}

boot();
