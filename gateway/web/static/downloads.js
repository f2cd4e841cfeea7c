// Download buttons beside a list: the API's `export` query (gateway/graphql/export_query.py) writes the list as
// .xlsx or CSV with the rows the signed-in user's list holds (the same filters); the file comes back in base64
// and is saved from a Blob, so no link to it ever exists outside this page.

import { ApiError, gql } from "./api.js";
import { h } from "./dom.js";
import { addText, t } from "./i18n.js";

const EXPORT = `query Export($list: ExportList!, $format: ExportFormat!, $filter: OrganizationFilter, $street: String) {
  export(list: $list, format: $format, filter: $filter, street: $street) { fileName mediaType rows contentBase64 }
}`;

addText({
  downloadXlsx: ["下载 Excel", "Download Excel"],
  downloadCsv: ["下载 CSV", "Download CSV"],
  downloadLabel: ["下载此列表", "Download this list"],
  downloadPreparing: ["正在生成文件…", "Preparing the file…"],
  downloadDone: ["已下载 {file}（{n} 行）", "Downloaded {file} ({n} rows)"],
  downloadFailed: ["下载失败：{message}", "Download failed: {message}"],
});

function save(file) {
  const binary = atob(file.contentBase64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  const url = URL.createObjectURL(new Blob([bytes], { type: file.mediaType }));
  const link = h("a", { href: url, download: file.fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Two buttons (xlsx, CSV) exporting `list` (ORGANIZATIONS, ALERTS, TASKS, FUNDING, INSPECTIONS, CREDIT_LISTS, EVENTS) with the variables
 * variables() gives at the moment of the click ({filter} or {street}). */
export function downloadButtons(list, variables = () => ({})) {
  const status = h("span", { class: "muted small", role: "status" });
  const button = (format, text) => h("button", {
    type: "button", class: "button", "data-download": `${list}-${format}`,
    onclick: async (event) => {
      const clicked = event.currentTarget;
      clicked.disabled = true;
      status.textContent = t("downloadPreparing");
      try {
        const file = (await gql(EXPORT, { list, format, ...variables() })).export;
        save(file);
        status.textContent = t("downloadDone", { file: file.fileName, n: file.rows });
      } catch (error) {
        status.textContent = t("downloadFailed", { message: error instanceof ApiError ? error.message : String(error) });
      } finally {
        clicked.disabled = false;
      }
    },
  }, text);
  return h("div", { class: "downloads inline-form", role: "group", "aria-label": t("downloadLabel") },
    button("XLSX", t("downloadXlsx")), button("CSV", t("downloadCsv")), status);
}
