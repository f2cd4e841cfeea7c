// Language (zh-CN first, English by a switch remembered in localStorage), labels of the domain's codes,
// and formatters: dates in Asia/Shanghai, money in yuan with exact decimals (BigInt fen, never floats).

const LANG_KEY = "lianjian.lang";
export const TIME_ZONE = "Asia/Shanghai";

let lang = (() => {
  try {
    return localStorage.getItem(LANG_KEY) === "en" ? "en" : "zh-CN";
  } catch {
    return "zh-CN";
  }
})();

export function getLang() {
  return lang;
}

export function setLang(value) {
  lang = value === "en" ? "en" : "zh-CN";
  try {
    localStorage.setItem(LANG_KEY, lang);
  } catch {
    /* private mode: the choice lasts for this page only */
  }
  document.documentElement.lang = lang;
}

const isZh = () => lang !== "en";

// -- interface text -------------------------------------------------------------------------------

const TEXT = {
  appName: ["联监", "Lianjian"],
  appTitle: ["社会组织联合监管", "Joint supervision of social organizations"],
  skip: ["跳到主要内容", "Skip to main content"],
  navOverview: ["概览", "Overview"],
  navOrganizations: ["社会组织", "Organizations"],
  navMain: ["主导航", "Main"],
  switchTo: ["English", "中文"],
  switchToLabel: ["Switch to English", "切换到中文"],
  signOut: ["退出登录", "Sign out"],
  loading: ["正在加载…", "Loading…"],
  error: ["出错了", "Something went wrong"],
  retry: ["重试", "Retry"],
  // sign-in
  signInTitle: ["登录", "Sign in"],
  signInIntro: [
    "社会组织联合监管平台：街道、民政、财政、执法、党建等部门共用一条事件记录，各自看到职权范围内的信息。",
    "One shared record of every event for the street office, civil affairs, finance, inspection, party building and partner departments; each sees what its remit allows.",
  ],
  signInKeycloak: ["通过统一身份认证登录", "Sign in with single sign-on"],
  devPickerTitle: ["开发模式：选择演示用户", "Dev mode: choose a demo user"],
  devPickerNote: [
    "开发模式下由本服务器签发本地令牌；生产环境请使用统一身份认证（Keycloak）。",
    "In dev mode this server signs local tokens; production signs in through Keycloak.",
  ],
  signingIn: ["正在登录…", "Signing in…"],
  sessionExpired: ["登录已失效，请重新登录。", "Your session has ended; please sign in again."],
  signInFailed: ["登录失败", "Sign-in failed"],
  // overview
  overviewTitle: ["{street}概览", "{street}: overview"],
  overviewYear: ["{year}年度", "Year {year}"],
  chooseStreet: ["街道", "Street"],
  show: ["查看", "Show"],
  kpiOrganizations: ["社会组织", "Organizations"],
  kpiOrganizationsNote: ["其中登记 {registered}、备案 {filed}", "{registered} registered, {filed} filed"],
  kpiParty: ["党组织覆盖", "Party coverage"],
  kpiPartyNote: ["{with}/{active} 个组织建有党组织，党员 {members} 名", "{with} of {active} organizations; {members} party members"],
  kpiFundingAwarded: ["本年度立项资助", "Funding awarded this year"],
  kpiFundingAwardedNote: ["{n} 个政府购买服务项目", "{n} purchase-of-service projects"],
  kpiFundingDisbursed: ["本年度已拨付", "Disbursed this year"],
  kpiFundingDisbursedNote: ["追回 {clawed}", "Clawed back {clawed}"],
  kpiOpenInspections: ["在办检查", "Open inspections"],
  kpiOverdue: ["逾期未整改", "Overdue rectifications"],
  kpiCreditListed: ["列入信用名录", "On a credit list"],
  kpiEnded: ["已终止（不计入上列）", "Ended (not counted above)"],
  byKind: ["按组织类型", "By kind"],
  byStatus: ["按状态", "By status"],
  byCategory: ["按服务类别", "By service category"],
  byCommunity: ["各社区社会组织数", "Organizations per community"],
  creditListTitle: ["信用名录", "Credit lists"],
  creditListEmpty: ["目前没有组织列入信用名录。", "No organization is on a credit list."],
  alertsTitle: ["联合监管预警", "Joint supervision alerts"],
  alertsEmpty: ["暂无预警。", "No alerts."],
  alertsNoneOpen: ["没有待处理的预警。", "No open alerts."],
  alertsOpen: ["待处理", "Open"],
  alertsAll: ["全部", "All"],
  alertsShown: ["显示哪些预警", "Which alerts to show"],
  alertsForbidden: ["您的部门不接收预警。", "Your department receives no alerts."],
  liveConnecting: ["实时更新：连接中…", "Live: connecting…"],
  liveOn: ["实时更新：已连接", "Live: connected"],
  liveOff: ["实时更新：已断开，正在重连…", "Live: disconnected, reconnecting…"],
  newAlert: ["新", "New"],
  newAlertAnnounce: ["新预警：{message}", "New alert: {message}"],
  alertDepartments: ["送达：{departments}", "To: {departments}"],
  chartsTitle: ["统计图表", "Charts"],
  chartRegistered: ["每年登记和备案的社会组织", "Organizations registered and filed per year"],
  chartFunding: ["每年政府购买服务资金（按立项年度）", "Purchase-of-service funding per year (by year awarded)"],
  chartCommunity: ["各社区社会组织数", "Organizations per community"],
  seriesRegistered: ["登记", "Registered"],
  seriesFiled: ["备案", "Filed"],
  seriesAwarded: ["立项金额", "Awarded"],
  seriesDisbursed: ["已拨付", "Disbursed"],
  dataTable: ["数据表", "Data table"],
  year: ["年份", "Year"],
  count: ["数量", "Count"],
  share: ["占比", "Share"],
  community: ["社区", "Community"],
  noCommunity: ["（未划分社区）", "(no community)"],
  chartNoData: ["暂无数据。", "No data."],
  fundingTruncated: ["仅统计前 {n} 个项目（API 的 fundingProjects 一次最多返回 {n} 个）。", "Only the first {n} projects are counted (fundingProjects returns at most {n})."],
  overviewForbidden: [
    "您所在部门无权查看街道概览（API 答复：{code}）。以下为您有权查看的信息。",
    "Your department may not see the street overview (the API answered {code}). Below is what you may see.",
  ],
  figuresFrom: ["数据截至 {when}（北京时间）", "As of {when} (Beijing time)"],
  // organization list
  orgsTitle: ["社会组织", "Organizations"],
  search: ["名称", "Name"],
  searchPlaceholder: ["输入名称关键字", "Part of the name"],
  filterKind: ["类型", "Kind"],
  filterStatus: ["状态", "Status"],
  filterCommunity: ["社区", "Community"],
  filterCredit: ["信用名录", "Credit list"],
  filterGrade: ["评估等级", "Grade"],
  filterAny: ["全部", "All"],
  creditAny: ["任一名录", "Either list"],
  abnormalList: ["活动异常名录", "Abnormal activities list"],
  seriousList: ["严重违法失信名单", "Serious illegal and dishonest list"],
  apply: ["查询", "Search"],
  reset: ["重置", "Reset"],
  total: ["共 {n} 个", "{n} in all"],
  pageOf: ["第 {page} 页", "Page {page}"],
  prev: ["上一页", "Previous page"],
  next: ["下一页", "Next page"],
  noResults: ["没有符合条件的社会组织。", "No organization matches."],
  colName: ["名称", "Name"],
  colKind: ["类型", "Kind"],
  colStatus: ["状态", "Status"],
  colStreet: ["街道", "Street"],
  colCommunity: ["社区", "Community"],
  colGrade: ["等级", "Grade"],
  colCredit: ["信用", "Credit"],
  // organization page
  backToList: ["返回列表", "Back to the list"],
  statusAcross: ["各部门视角下的当前状态", "Current status across departments"],
  panelRegistry: ["登记管理（区民政局）", "Registration (civil affairs)"],
  panelStreet: ["街道与社区", "Street and community"],
  panelCredit: ["信用", "Credit"],
  panelParty: ["党建", "Party building"],
  panelFunding: ["政府购买服务（财政）", "Purchase of services (finance)"],
  panelInspections: ["检查与处罚（执法）", "Inspections and penalties"],
  noneVisible: ["暂无您可查看的记录。", "None on record that you may see."],
  timelineTitle: ["事件时间线", "Timeline of events"],
  timelineNote: [
    "每条记录都不可更改：谁在何时、以何理由、依据什么记录了什么。时间为北京时间。",
    "Every record is immutable: who recorded what, when, why and on what legal basis. Times are Beijing time.",
  ],
  timelineEmpty: ["没有您有权查看的事件。", "No events visible to you."],
  timelineForbidden: ["您的部门无权查看该组织的事件历史（API 答复：{code}）。", "Your department may not see this organization's history (the API answered {code})."],
  newestFirst: ["最新在前", "Newest first"],
  timelineControls: ["筛选事件", "Choose events"],
  timelinePages: ["事件分页", "Pages of events"],
  dateFrom: ["起始日期", "From"],
  dateTo: ["截止日期", "To"],
  oldestFirst: ["最早在前", "Oldest first"],
  events: ["{n} 条事件", "{n} events"],
  occurredOn: ["生效日期", "Took effect"],
  recordedAt: ["记录时间", "Recorded"],
  who: ["经办", "By"],
  why: ["事由", "Reason"],
  basis: ["依据", "Legal basis"],
  details: ["详情", "Details"],
  creditCode: ["统一社会信用代码", "Unified social credit code"],
  registeredOn: ["登记日期", "Registered on"],
  filedOn: ["备案日期", "Filed on"],
  endedOn: ["终止日期", "Ended on"],
  domicile: ["住所", "Domicile"],
  purpose: ["宗旨", "Purpose"],
  businessScope: ["业务范围", "Business scope"],
  supervisingUnit: ["业务主管单位", "Supervising unit"],
  funds: ["注册资金", "Funds"],
  legalRepresentative: ["法定代表人 / 负责人", "Legal representative"],
  grade: ["评估等级", "Grade"],
  gradeValid: ["{grade}（有效期至 {until}）", "{grade} (valid until {until})"],
  noGrade: ["未评估", "Not graded"],
  category: ["服务类别", "Service category"],
  role: ["角色", "Role"],
  street: ["街道", "Street"],
  partyMembers: ["党员人数", "Party members"],
  partyOrganization: ["党组织", "Party organization"],
  nonePartyOrganization: ["尚未建立", "None"],
  underInvestigation: ["正在立案调查", "Under investigation"],
  abnormalSince: ["{date} 列入活动异常名录", "On the abnormal list since {date}"],
  seriousSince: ["{date} 列入严重违法失信名单", "On the serious list since {date}"],
  creditGood: ["未列入信用名录", "On no credit list"],
  projectName: ["项目", "Project"],
  purchasingUnit: ["购买单位", "Purchasing unit"],
  amount: ["金额", "Amount"],
  disbursed: ["已拨付", "Disbursed"],
  clawedBack: ["追回", "Clawed back"],
  status: ["状态", "Status"],
  period: ["服务期", "Period"],
  awardedOn: ["立项日期", "Awarded on"],
  openedOn: ["立案日期", "Opened on"],
  subject: ["检查事项", "Subject"],
  rectification: ["整改", "Rectification"],
  deadline: ["期限", "Deadline"],
  penalties: ["行政处罚", "Penalties"],
  penaltyKind: ["处罚", "Penalty"],
  department: ["部门", "Department"],
  imposedOn: ["处罚日期", "Imposed on"],
  executed: ["已执行", "Executed"],
  yes: ["是", "Yes"],
  no: ["否", "No"],
  inspectionsLabel: ["检查案件", "Inspection cases"],
  notFound: ["找不到该社会组织，或不在您的管辖范围内。", "No such organization, or it is outside your jurisdiction."],
  timeNote: ["所有日期和时间均为北京时间（Asia/Shanghai）。", "All dates and times are Beijing time (Asia/Shanghai)."],
  labelled: ["{label}：{text}", "{label}: {text}"],
  apiNote: ["本页面数据全部来自公开的 GraphQL API（/graphql），按您的权限作答。", "Everything here comes from the public GraphQL API (/graphql), answered for your access rights."],
};

/** A page module's own texts, {key: [zh, en]}: each page keeps its words beside its code. */
export function addText(entries) {
  for (const [key, value] of Object.entries(entries)) {
    if (key in TEXT && TEXT[key].join("\u0000") !== value.join("\u0000")) throw new Error(`text ${key} defined twice`);
    TEXT[key] = value;
  }
}

export function t(key, vars) {
  const entry = TEXT[key];
  let text = entry ? entry[isZh() ? 0 : 1] : key;
  if (vars) {
    for (const [name, value] of Object.entries(vars)) text = text.replaceAll(`{${name}}`, String(value));
  }
  return text;
}

// -- the domain's codes ---------------------------------------------------------------------------------

const LABELS = {
  department: {
    civil_affairs: ["区民政局", "Civil Affairs Bureau"],
    street_office: ["街道办事处", "Street office"],
    finance: ["财政局", "Finance Bureau"],
    inspection: ["执法检查", "Inspection"],
    party_building: ["党工委", "Party building"],
    market_regulation: ["市场监管局", "Market Regulation"],
    public_security: ["公安局", "Public Security"],
    tax: ["税务局", "Tax Bureau"],
    audit: ["审计局", "Audit"],
    system: ["联监系统", "Lianjian rules"],
    public: ["公众", "Public"],
    partner: ["联合监管部门", "Partner department"],
  },
  kind: {
    social_group: ["社会团体", "Social group"],
    private_non_enterprise: ["民办非企业单位", "Private non-enterprise unit"],
    foundation: ["基金会", "Foundation"],
    community: ["社区社会组织", "Community organization"],
  },
  status: {
    registered: ["已登记", "Registered"],
    filed: ["已备案", "Filed"],
    deregistered: ["已注销", "Deregistered"],
    revoked: ["已撤销登记", "Registration revoked"],
    banned: ["已取缔", "Banned"],
    filing_cancelled: ["已撤销备案", "Filing cancelled"],
  },
  penalty: {
    warning: ["警告", "Warning"],
    fine: ["罚款", "Fine"],
    confiscation: ["没收", "Confiscation"],
    stop_activities: ["责令停止活动", "Ordered to stop activities"],
    revocation: ["撤销登记", "Revocation"],
  },
  inspectionResult: {
    qualified: ["合格", "Qualified"],
    basically_qualified: ["基本合格", "Basically qualified"],
    unqualified: ["不合格", "Unqualified"],
  },
  partyForm: {
    single: ["单独组建", "Own branch"],
    joint: ["联合组建", "Joint branch"],
    attached: ["挂靠组建", "Attached to a hub's branch"],
  },
  fundingStatus: {
    active: ["执行中", "Active"],
    suspended: ["暂停拨付", "Suspended"],
    closed: ["已结项", "Closed"],
  },
  caseStatus: { open: ["在办", "Open"], closed: ["已结案", "Closed"] },
  rectification: {
    none: ["无", "None"],
    ordered: ["责令整改", "Ordered"],
    confirmed: ["整改完成", "Confirmed"],
    overdue: ["逾期未整改", "Overdue"],
  },
  alertStatus: { open: ["待处理", "Open"], acknowledged: ["已签收", "Acknowledged"], resolved: ["已办结", "Resolved"] },
  rule: {
    funding_to_ineligible: ["资助不符合条件的组织", "Funding to an ineligible organization"],
    rectification_overdue: ["逾期未整改", "Rectification overdue"],
    annual_report_missing: ["未报送年度报告", "Annual report missing"],
    ended_with_open_funding: ["终止但有在执行项目", "Ended with open funding"],
    party_organization_missing: ["应建未建党组织", "No party organization"],
    partner_penalty: ["联合监管部门处罚", "Penalty by a partner department"],
    abnormal_two_years: ["异常名录满两年", "Two years on the abnormal list"],
    court_dishonest_debtor: ["失信被执行人", "Court list of dishonest debtors"],
    graded_on_serious_list: ["评估等级组织列入严重失信名单", "Graded organization on the serious list"],
    objection_undecided: ["异议逾期未决", "Objection undecided in time"],
    organization_listed: ["组织列入信用名录", "Organization put on a credit list"],
    revocation_requested: ["撤销登记建议", "Revocation requested"],
  },
  ground: {
    annual_report_missing: ["未按规定报送年度报告", "Annual report missing"],
    annual_report_late: ["年度报告逾期", "Annual report late"],
    no_party_organization: ["未按规定建立党组织", "No party organization"],
    rectification_overdue: ["未按期整改", "Rectification overdue"],
    warning_or_small_fine: ["受到警告或不满5万元罚款", "Warning or a fine under ¥50,000"],
    public_fundraising_breach: ["具有公开募捐资格的慈善组织不再符合条件或6个月以上未开展公开募捐", "A charity with public fundraising status no longer qualifies or has not raised funds for 6 months"],
    unreachable_at_domicile: ["通过登记的住所无法取得联系", "Unreachable at the registered domicile"],
    abnormal_two_years: ["列入活动异常名录满2年", "Two years on the abnormal list"],
    fraudulent_change_revoked: ["弄虚作假办理变更登记被撤销", "Fraudulent change revoked"],
    ordered_to_stop_activities: ["被责令停止活动", "Ordered to stop activities"],
    large_fine: ["受到5万元以上罚款", "A fine of ¥50,000 or more"],
    repeated_minor_penalties: ["3年内2次以上警告或不满5万元罚款", "Repeated minor penalties within 3 years"],
    court_dishonest_debtor: ["被人民法院列为失信被执行人", "Court list of dishonest debtors"],
    certificate_revoked: ["被撤销登记或吊销登记证书", "Certificate revoked"],
    fraud: ["弄虚作假骗取登记", "Fraud"],
    fraudulent_change: ["弄虚作假办理变更登记", "Fraudulent change"],
    no_activity_first_year: ["取得登记证书1年未开展活动", "No activity in the first year"],
    serious_penalty: ["严重违法", "Serious penalty"],
  },
  role: {
    hub: ["枢纽型社会组织", "Hub organization"],
    social_work_agency: ["专业社工机构", "Social-work agency"],
    community_social_work_room: ["社区社工室", "Community social-work room"],
    family_social_work: ["家庭社会工作服务", "Family social work"],
    volunteer: ["志愿服务", "Volunteers"],
    culture_sports: ["文体娱乐", "Culture and sports"],
    mediation: ["矛盾纠纷调解", "Mediation"],
    elderly_care: ["养老服务", "Elderly care"],
    youth: ["青少年服务", "Youth"],
    disability: ["助残服务", "Disability"],
    legal_aid: ["法律咨询", "Legal advice"],
    counselling: ["心理辅导", "Counselling"],
    rights_protection: ["权益保护", "Rights protection"],
    mutual_aid: ["群众互助", "Mutual aid"],
    health: ["健康咨询", "Health advice"],
    self_governed_property: ["自治物业", "Self-governed property management"],
  },
  category: {
    文体娱乐: ["文体娱乐", "Culture and sports"],
    志愿服务: ["志愿服务", "Volunteering"],
    法律咨询: ["法律咨询", "Legal advice"],
    心理辅导: ["心理辅导", "Counselling"],
    权益保护: ["权益保护", "Rights protection"],
    群众互助: ["群众互助", "Mutual aid"],
    健康咨询: ["健康咨询", "Health advice"],
    养老服务: ["养老服务", "Elderly care"],
    青少年服务: ["青少年服务", "Youth services"],
    助残服务: ["助残服务", "Disability services"],
    社会工作服务: ["社会工作服务", "Social work"],
  },
  street: {
    shangqingsi: ["上清寺街道", "Shangqingsi Subdistrict"],
    hualongqiao: ["化龙桥街道", "Hualongqiao Subdistrict"],
  },
  district: { yuzhong: ["渝中区", "Yuzhong District"], jiangbei: ["江北区", "Jiangbei District"] },
  how: { on_request: ["申请移出", "On request"], automatic: ["自动移出", "Automatically"], escalated: ["转入严重违法失信名单", "Escalated"] },
  event: {
    "Organization.Registered": ["成立登记", "Registered"],
    "Organization.Filed": ["备案", "Filed"],
    "Organization.RegistrationChanged": ["变更登记", "Registration changed"],
    "Organization.Deregistered": ["注销登记", "Deregistered"],
    "Organization.RegistrationRevoked": ["撤销登记", "Registration revoked"],
    "Organization.FilingChanged": ["备案变更", "Filing changed"],
    "Organization.FilingCancelled": ["撤销备案", "Filing cancelled"],
    "Organization.Banned": ["取缔", "Banned"],
    "Organization.ConvertedToRegistration": ["转登记", "Converted to registration"],
    "Organization.AnnualReportSubmitted": ["报送年度报告", "Annual report submitted"],
    "Organization.AnnualInspectionConcluded": ["年检结论", "Annual inspection concluded"],
    "Organization.GradeAwarded": ["评估等级", "Grade awarded"],
    "Organization.GradeLowered": ["降低评估等级", "Grade lowered"],
    "Organization.GradeCancelled": ["取消评估等级", "Grade cancelled"],
    "Organization.InvestigationOpened": ["立案调查", "Investigation opened"],
    "Organization.InvestigationClosed": ["调查结案", "Investigation closed"],
    "Organization.PenaltyImposed": ["行政处罚", "Penalty imposed"],
    "Organization.PenaltyExecuted": ["处罚执行完毕", "Penalty executed"],
    "Organization.AddedToAbnormalList": ["列入活动异常名录", "Added to the abnormal list"],
    "Organization.RemovedFromAbnormalList": ["移出活动异常名录", "Removed from the abnormal list"],
    "Organization.AddedToSeriousList": ["列入严重违法失信名单", "Added to the serious list"],
    "Organization.RemovedFromSeriousList": ["移出严重违法失信名单", "Removed from the serious list"],
    "Organization.PartyMembersCounted": ["党员人数核查", "Party members counted"],
    "Organization.PartyOrganizationSetUp": ["建立党组织", "Party organization set up"],
    "Organization.PartyInstructorAppointed": ["选派党建指导员", "Party instructor appointed"],
    "FundingProject.Awarded": ["政府购买服务立项", "Funding awarded"],
    "FundingProject.TrancheDisbursed": ["拨付资金", "Tranche disbursed"],
    "FundingProject.FundingSuspended": ["暂停拨付", "Funding suspended"],
    "FundingProject.FundingResumed": ["恢复拨付", "Funding resumed"],
    "FundingProject.FundsClawedBack": ["追回资金", "Funds clawed back"],
    "FundingProject.ProjectClosed": ["项目结项", "Project closed"],
    "InspectionCase.Opened": ["立案检查", "Inspection opened"],
    "InspectionCase.FindingsRecorded": ["检查发现", "Findings recorded"],
    "InspectionCase.RectificationOrdered": ["责令整改", "Rectification ordered"],
    "InspectionCase.RectificationConfirmed": ["整改完成", "Rectification confirmed"],
    "InspectionCase.RectificationOverdue": ["逾期未整改", "Rectification overdue"],
    "InspectionCase.PenaltyNoted": ["案件处罚", "Penalty noted"],
    "InspectionCase.Closed": ["检查结案", "Inspection closed"],
    "SampleDraw.Drawn": ["随机抽取", "Sample drawn"],
    "Alert.Raised": ["联合监管预警", "Alert raised"],
    "Alert.Acknowledged": ["签收预警", "Alert acknowledged"],
    "Alert.Resolved": ["办结预警", "Alert resolved"],
  },
  field: {
    name: ["名称", "Name"], kind: ["类型", "Kind"], credit_code: ["统一社会信用代码", "Credit code"],
    domicile: ["住所", "Domicile"], purpose: ["宗旨", "Purpose"], business_scope: ["业务范围", "Business scope"],
    legal_representative: ["法定代表人", "Legal representative"], person_in_charge: ["负责人", "Person in charge"],
    funds: ["注册资金", "Funds"], district: ["区", "District"], street: ["街道", "Street"], community: ["社区", "Community"],
    activity_area: ["活动地域", "Activity area"], supervising_unit: ["业务主管单位", "Supervising unit"],
    category: ["服务类别", "Category"], role: ["角色", "Role"], changes: ["变更事项", "Changes"],
    charter_amended: ["修订章程", "Charter amended"], liquidation_completed_on: ["清算完成日期", "Liquidation completed"],
    ground: ["事由", "Ground"], year: ["年度", "Year"], result: ["结论", "Result"], grade: ["等级", "Grade"],
    score: ["得分", "Score"], valid_until: ["有效期至", "Valid until"], amount: ["金额", "Amount"],
    stop_days: ["停止活动天数", "Days stopped"], how: ["方式", "How"], verified_on: ["核实日期", "Verified on"],
    members: ["党员人数", "Members"], form: ["组建方式", "Form"], purchasing_unit: ["购买单位", "Purchasing unit"],
    project_name: ["项目名称", "Project"], period_start: ["服务期开始", "Period start"], period_end: ["服务期结束", "Period end"],
    tranche: ["批次", "Tranche"], evaluation: ["评价", "Evaluation"], inspectors: ["检查人员", "Inspectors"],
    subject: ["检查事项", "Subject"], findings: ["检查发现", "Findings"], problems_found: ["发现问题", "Problems found"],
    requirements: ["整改要求", "Requirements"], deadline: ["整改期限", "Deadline"], conclusion: ["结论", "Conclusion"],
    rule: ["规则", "Rule"], departments: ["送达部门", "Departments"], proposal: ["建议", "Proposal"],
    resolution: ["办理结果", "Resolution"], ratio: ["抽查比例", "Ratio"], seed: ["随机种子", "Seed"],
    jurisdiction: ["辖区", "Jurisdiction"], id_number: ["身份证号", "ID number"], phone: ["电话", "Phone"],
  },
};

export function label(table, code) {
  if (code === null || code === undefined || code === "") return "";
  const entry = LABELS[table] && LABELS[table][code];
  return entry ? entry[isZh() ? 0 : 1] : String(code);
}

export function hasLabel(table, code) {
  return Boolean(LABELS[table] && LABELS[table][code]);
}

export function codes(table) {
  return Object.keys(LABELS[table] || {});
}

export function streetName(code) {
  return label("street", code);
}

export function departmentName(code) {
  return label("department", code);
}

// -- dates: business dates as they are; moments in Asia/Shanghai ---------------------------------------

function locale() {
  return isZh() ? "zh-CN" : "en-GB";
}

/** A business date (YYYY-MM-DD) as written in the language: 2014年10月20日 / 20 Oct 2014. */
export function formatDate(value) {
  if (!value) return "";
  const moment = new Date(`${String(value).slice(0, 10)}T12:00:00+08:00`);
  if (Number.isNaN(moment.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE, year: "numeric", month: isZh() ? "long" : "short", day: "numeric",
  }).format(moment);
}

/** A moment (ISO date-time with zone) in Beijing time: 2026/11/26 17:10 / 26 Nov 2026, 17:10 (with seconds:
 *  17:10:05, for the audit, where a second decides what a view showed). */
export function formatDateTime(value, { seconds = false } = {}) {
  if (!value) return "";
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return String(value);
  return new Intl.DateTimeFormat(locale(), {
    timeZone: TIME_ZONE, year: "numeric", month: isZh() ? "2-digit" : "short", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: seconds ? "2-digit" : undefined, hour12: false,
  }).format(moment);
}

/** The year of a business date (YYYY-MM-DD), as a number. */
export function yearOf(value) {
  return value ? Number(String(value).slice(0, 4)) : null;
}

/** Now, in Beijing time, for "as of" lines. */
export function nowText() {
  return formatDateTime(new Date().toISOString());
}

// -- money: exact, in fen, as BigInt -----------------------------------------------------------------------

/** "418000.5" -> 41800050n (half up beyond two places); null for nothing. */
export function toFen(value) {
  if (value === null || value === undefined || value === "") return null;
  const text = String(value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) return null;
  const [, sign, whole, fraction = ""] = match;
  let fen = BigInt(whole || "0") * 100n + BigInt((fraction + "00").slice(0, 2));
  if (fraction.length > 2 && Number(fraction[2]) >= 5) fen += 1n;
  return sign === "-" ? -fen : fen;
}

/** 41800050n -> "¥418,000.50" (thousands separators, two decimals). */
export function formatFen(fen) {
  if (fen === null || fen === undefined) return "";
  const negative = fen < 0n;
  const absolute = negative ? -fen : fen;
  const whole = (absolute / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const cents = (absolute % 100n).toString().padStart(2, "0");
  return `${negative ? "-" : ""}¥${whole}.${cents}`;
}

/** A decimal string from the API as yuan: "418000.00" -> "¥418,000.00". */
export function formatYuan(value) {
  const fen = toFen(value);
  return fen === null ? "" : formatFen(fen);
}

export function formatCount(n) {
  return new Intl.NumberFormat(locale()).format(n);
}

export function formatPercent(ratio) {
  return new Intl.NumberFormat(locale(), { style: "percent", maximumFractionDigits: 1 }).format(ratio);
}
