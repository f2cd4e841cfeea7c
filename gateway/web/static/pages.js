// The dashboard's page modules beyond the overview and the organizations. Each entry:
//   path    the hash route, e.g. "/tasks" (parameters after "?" go to render as URLSearchParams);
//   nav     the navigation key (omit for a page reached only by links, such as a drill-down);
//   label   the i18n key of its navigation link (a page adds its own words with i18n.addText);
//   visible (me) => whether the signed-in user gets the link (the API still decides what they may read);
//   render  async (params, token, shell) => fills shell.main(); shell.stillCurrent(token) is false once the
//           user has moved on. shell = { state, main, go, stillCurrent, failure, mark, route, myStreet }.
//   badge   (optional) async (link, me) => adds a count to its navigation link, e.g. the tasks pending.

import { AUDIT_PAGE } from "./audit.js";
import { FUNDING_PAGE } from "./funding.js";
import { INSPECTIONS_PAGE } from "./inspections.js";
import { PARTY_PAGE } from "./party.js";
import { TASKS_PAGE } from "./tasks.js";
import { UPLOAD_PAGE } from "./upload.js";

export const PAGES = [
  TASKS_PAGE, // 待办: the caller's tasks (督办事项) and their steps
  INSPECTIONS_PAGE, // the overview's figures' rows (drill.js): inspections, a year's funding, party-building gaps
  FUNDING_PAGE,
  PARTY_PAGE,
  UPLOAD_PAGE, // the ledger's import
  AUDIT_PAGE, // the auditor's console
];
