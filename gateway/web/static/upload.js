// The ledger's upload page (#/upload), for the officers who record registrations or filings: choose an .xlsx,
// check it (a dry run: nothing is written, every problem listed by row and column), confirm, and the import runs
// with its progress shown; the result names the rows that went in. The server is POST /files/ledger
// (gateway/files/routes.py): the file's bytes as the body, the same bearer token as the API.

import { ApiError } from "./api.js";
import { freshToken } from "./auth.js";
import { h } from "./dom.js";
import { addText, formatCount, t } from "./i18n.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const UPLOAD = "/files/ledger";
const TEMPLATE = "/files/ledger-template.xlsx";
const SHOWN_ROWS = 30; // row numbers listed in the result before "…"

addText({
  navUpload: ["导入台账", "Import ledger"],
  uploadTitle: ["导入社会组织台账", "Import an organizations ledger"],
  uploadIntro: ["选择街道的 Excel 台账（.xlsx），先检查：系统逐行核对，不写入任何数据；确认后再正式导入。同一文件重复导入不会重复记录。",
    "Choose the street's Excel ledger (.xlsx) and check it first: every row is checked and nothing is written; then confirm to import. Importing the same file again records nothing twice."],
  uploadTemplate: ["下载台账模板（含填写说明）", "Download the ledger template (with instructions)"],
  uploadChoose: ["Excel 台账文件（.xlsx）", "Excel ledger (.xlsx)"],
  uploadCheck: ["检查（不写入）", "Check (writes nothing)"],
  uploadChecking: ["正在检查 {file}…", "Checking {file}…"],
  uploadNoFile: ["请先选择一个 .xlsx 文件。", "Choose an .xlsx file first."],
  uploadRefused: ["文件无法导入（{reason}）：{message}", "The file cannot be imported ({reason}): {message}"],
  uploadSummary: ["{file}：共 {rows} 行，{problems} 行有问题，{already} 行此前已导入。",
    "{file}: {rows} rows, {problems} with problems, {already} imported before."],
  uploadDryRun: ["检查结果（未写入任何数据）", "Check result (nothing written)"],
  uploadProblems: ["问题清单", "Problems"],
  uploadNoProblems: ["没有发现问题。", "No problems found."],
  uploadRow: ["行", "Row"],
  uploadColumn: ["列", "Column"],
  uploadValue: ["值", "Value"],
  uploadWhy: ["原因", "Why"],
  uploadWillImport: ["确认后将导入 {n} 行；有问题的行不会导入，修改后可再次导入同一文件。",
    "Confirming imports {n} rows; rows with problems are left out: fix them and import the file again."],
  uploadNothingToImport: ["没有可导入的行。", "No row can be imported."],
  uploadConfirm: ["确认导入 {n} 行", "Import {n} rows"],
  uploadRunning: ["正在导入…", "Importing…"],
  uploadProgress: ["已处理 {done} / {total} 行", "{done} of {total} rows done"],
  uploadDone: ["导入完成", "Import done"],
  uploadRecorded: ["已导入 {n} 行", "{n} rows imported"],
  uploadAlready: ["此前已导入 {n} 行（未重复记录）", "{n} rows imported before (not recorded again)"],
  uploadLeftOut: ["{n} 行有问题，未导入", "{n} rows with problems, not imported"],
  uploadChanged: ["注意：文件在检查后有改动，结果以本次导入为准。", "Note: the file changed after the check; this result is what was imported."],
  uploadSeeList: ["在社会组织列表中查看", "See them in the organizations list"],
  uploadAnother: ["导入另一个文件", "Import another file"],
  uploadRowsOf: ["{sheet} 第 {rows} 行", "{sheet} rows {rows}"],
});

/** Visible to a role that records registrations or filings (the server checks again, row by row). */
export function mayImport(me) {
  return (me.mayRecord || []).some((m) => m === "registerOrganization" || m === "fileCommunityOrganization");
}

async function send(bytes, name, dryRun) {
  const token = await freshToken();
  if (!token) throw new ApiError([{ message: "not signed in", extensions: { code: "UNAUTHENTICATED" } }]);
  const response = await fetch(`${UPLOAD}?dryRun=${dryRun}`, {
    method: "POST",
    headers: {
      "content-type": XLSX, "x-file-name": encodeURIComponent(name), authorization: `Bearer ${token}`,
      accept: dryRun ? "application/json" : "application/x-ndjson",
    },
    body: bytes,
  });
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      /* not JSON: the status says it */
    }
    throw new ApiError(body && body.errors ? body.errors
      : [{ message: `HTTP ${response.status}`, extensions: { code: `HTTP_${response.status}` } }]);
  }
  return response;
}

/** The real run's lines of JSON, as they come: each handed to onLine; the report returned. */
async function readLines(response, onLine) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  let report = null;
  for (;;) {
    const { value, done } = await reader.read();
    buffered += decoder.decode(value || new Uint8Array(), { stream: !done });
    const lines = buffered.split("\n");
    buffered = lines.pop();
    for (const line of lines.filter(Boolean)) {
      const item = JSON.parse(line);
      if (item.errors) throw new ApiError(item.errors);
      if (item.report) report = item.report;
      onLine(item);
    }
    if (done) return report;
  }
}

function problemsTable(problems) {
  if (!problems.length) return h("p", { class: "muted", id: "upload-no-problems" }, t("uploadNoProblems"));
  const headers = [t("uploadRow"), t("uploadColumn"), t("uploadValue"), t("uploadWhy")];
  return [h("h3", null, t("uploadProblems")),
    h("div", { class: "table-wrap" }, h("table", { class: "data compact stack-table", id: "upload-problems" },
      h("caption", { class: "visually-hidden" }, t("uploadProblems")),
      h("thead", null, h("tr", null, headers.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", null, problems.map((p) => h("tr", { "data-row": p.row, "data-column": p.column || "" },
        h("th", { scope: "row" }, t("uploadRowsOf", { sheet: p.sheet, rows: p.row })),
        h("td", { "data-label": headers[1] }, p.column || "—"),
        h("td", { "data-label": headers[2] }, p.value || "—"),
        h("td", { "data-label": headers[3] }, p.why))))))];
}

function rowList(pairs) {
  const bySheet = new Map();
  for (const { sheet, row } of pairs.slice(0, SHOWN_ROWS)) bySheet.set(sheet, [...(bySheet.get(sheet) || []), row]);
  const text = [...bySheet].map(([sheet, rows]) => t("uploadRowsOf", { sheet, rows: rows.join("、") })).join("；");
  return pairs.length > SHOWN_ROWS ? `${text} …` : text;
}

function summary(report) {
  return t("uploadSummary", {
    file: report.fileName, rows: formatCount(report.rows), problems: formatCount(report.rowsWithProblems),
    already: formatCount(report.already.length),
  });
}

function refusal(error) {
  const first = error.errors && error.errors[0];
  const reason = (first && first.extensions && (first.extensions.reason || first.extensions.code)) || error.code;
  return h("p", { class: "notice", role: "alert", id: "upload-error", "data-reason": reason },
    t("uploadRefused", { reason, message: error.message }));
}

async function render(params, token, shell) {
  document.title = `${t("uploadTitle")} · ${t("appName")}`;
  const input = h("input", { id: "ledger-file", name: "ledger", type: "file", accept: `.xlsx,${XLSX}`, required: true });
  const result = h("section", { class: "upload-result", "aria-live": "polite", id: "upload-result" });
  const form = h("form", {
    class: "card inline-form", id: "upload-form",
    onsubmit: (event) => {
      event.preventDefault();
      check(input.files && input.files[0], result, token, shell).catch((error) => {
        if (shell.stillCurrent(token)) result.replaceChildren(error instanceof ApiError ? refusal(error) : shell.failure(error));
      });
    },
  },
  h("label", { for: "ledger-file" }, t("uploadChoose")), input,
  h("button", { type: "submit", class: "button primary", id: "upload-check" }, t("uploadCheck")));
  shell.main().replaceChildren(
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, t("uploadTitle")),
      h("a", { href: TEMPLATE, download: "", class: "button", id: "upload-template" }, t("uploadTemplate"))),
    h("p", null, t("uploadIntro")),
    form,
    result);
  shell.mark("lianjian:upload");
}

async function check(file, result, token, shell) {
  if (!file) {
    result.replaceChildren(h("p", { class: "notice", role: "alert" }, t("uploadNoFile")));
    return;
  }
  result.replaceChildren(h("p", { role: "status" }, t("uploadChecking", { file: file.name })));
  const bytes = await file.arrayBuffer(); // the same bytes are checked and then imported
  const report = await (await send(bytes, file.name, true)).json();
  if (!shell.stillCurrent(token)) return;
  const importable = report.rows - report.rowsWithProblems - report.already.length;
  const confirm = h("button", { type: "button", class: "button primary", id: "upload-confirm", disabled: importable <= 0 },
    t("uploadConfirm", { n: formatCount(Math.max(importable, 0)) }));
  result.replaceChildren(h("div", { class: "card", id: "upload-report" },
    h("h2", null, t("uploadDryRun")),
    h("p", { role: "status", id: "upload-summary" }, summary(report)),
    problemsTable(report.problems),
    h("p", null, importable > 0 ? t("uploadWillImport", { n: formatCount(importable) }) : t("uploadNothingToImport")),
    h("p", null, confirm)));
  confirm.addEventListener("click", () => {
    confirm.disabled = true;
    run(bytes, file.name, report.importId, result, token, shell).catch((error) => {
      if (shell.stillCurrent(token)) result.append(error instanceof ApiError ? refusal(error) : shell.failure(error));
    });
  });
}

async function run(bytes, name, checkedId, result, token, shell) {
  const bar = h("progress", { id: "upload-progress", max: "1", value: "0", "aria-label": t("uploadRunning") });
  const status = h("p", { role: "status", id: "upload-progress-text" }, t("uploadRunning"));
  const progress = h("div", { class: "card", id: "upload-running" }, h("h2", null, t("uploadRunning")), bar, status);
  result.replaceChildren(progress);
  const response = await send(bytes, name, false);
  const report = await readLines(response, (line) => {
    if (!line.progress || !shell.stillCurrent(token)) return;
    bar.max = Math.max(line.progress.total, 1);
    bar.value = line.progress.done;
    status.textContent = t("uploadProgress", { done: formatCount(line.progress.done), total: formatCount(line.progress.total) });
  });
  if (!shell.stillCurrent(token) || !report) return;
  const leftOut = report.rowsWithProblems;
  result.replaceChildren(h("div", { class: "card", id: "upload-done" },
    h("h2", { tabindex: "-1" }, t("uploadDone")),
    report.importId !== checkedId ? h("p", { class: "notice" }, t("uploadChanged")) : null,
    h("p", { role: "status", id: "upload-recorded" },
      t("uploadRecorded", { n: formatCount(report.recorded.length) }),
      report.recorded.length ? `：${rowList(report.recorded)}` : ""),
    report.already.length ? h("p", null, t("uploadAlready", { n: formatCount(report.already.length) }),
      `：${rowList(report.already)}`) : null,
    leftOut ? [h("p", null, t("uploadLeftOut", { n: formatCount(leftOut) })), problemsTable(report.problems)] : null,
    h("p", { class: "inline-form" },
      h("a", { href: "#/organizations", class: "button primary", id: "upload-see-list" }, t("uploadSeeList")),
      h("button", { type: "button", class: "button", onclick: () => shell.route() }, t("uploadAnother")))));
  shell.state.orgIndex.clear(); // the charts and filters read the organizations anew
  result.querySelector("h2").focus();
}

export const UPLOAD_PAGE = { path: "/upload", nav: "upload", label: "navUpload", visible: mayImport, render };
