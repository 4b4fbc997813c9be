// The Phone Numbers page. It calls the service through its Connect gateway on this
// listener (POST /phonenumbers.v1.<Service>/<Method>, proto3 JSON) and follows changes
// live through WatchEvents (a Connect server stream). Text from the server is only ever
// set as textContent.
"use strict";

const MAX_NAME = 64;
const TOKEN_KEY = "phone-numbers.token";
const MANAGERS = new Set(["ROLE_OWNER", "ROLE_ADMIN"]);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY) || "",
  who: null,
  account: null,
  areaCodes: [],
  useCases: [],       // the approved ones, offered in the add box
  allUseCases: [],
  numbers: [],
  limit: 5,
  campaigns: [],
  editing: null,      // number id whose name is being edited
  confirming: null,   // number id whose delete awaits confirmation
  protecting: null,   // number id whose port-out protection panel is open (owners)
  protection: null,   // { numberId, pin, attempts, failedAttempts, lockedUntilMs, confirmingReset }
  history: null,      // { numberId, entries } of the open history panel (owners, admins)
  showReleased: false,
  watch: null,        // AbortController of the event stream
  lastSequence: 0,
  links: {},          // registrationUrl, supportUrl (serve --registration-url, --support-url)
  query: "",          // the list's search: digits match the number, other text the name
  statusFilter: "",
  sort: "added",
};

const $ = (id) => document.getElementById(id);

// ---- Calls ---------------------------------------------------------------------------

class CallError extends Error {
  constructor(code, message, reason, metadata) {
    super(message);
    this.code = code;
    this.reason = reason || "";
    this.metadata = metadata || {};
  }
}

function errorFrom(json, status) {
  if (json && typeof json.code === "string") {
    const info = (json.details || []).find((d) => d.type === "google.rpc.ErrorInfo");
    const debug = (info && info.debug) || {};
    return new CallError(json.code, json.message || json.code, debug.reason, debug.metadata);
  }
  return new CallError("unknown", `The service answered HTTP ${status}.`);
}

// Whether the service answered the last call: the page says so when it stops answering,
// and clears it at the next answer (the event stream reconnects by itself).
function setOnline(online) {
  $("offline").hidden = online;
  document.body.classList.toggle("offline", !online);
}

async function call(method, request) {
  let response;
  try {
    response = await fetch(`/phonenumbers.v1.${method}`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Connect-Protocol-Version": "1",
        "Connect-Timeout-Ms": "15000",
        "Authorization": `Bearer ${state.token}`,
      },
      body: JSON.stringify(request || {}),
    });
  } catch (error) {
    setOnline(false);
    throw new CallError("unavailable", "The service cannot be reached. Check your connection and try again.");
  }
  setOnline(true);
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : {}; } catch (_) { /* not JSON */ }
  if (!response.ok) throw errorFrom(json, response.status);
  return json;
}

// Follows the account's events; each change reloads what it touches. Reconnects with
// `since` so nothing is missed.
async function watchEvents() {
  stopWatching();
  const controller = new AbortController();
  state.watch = controller;
  while (!controller.signal.aborted) {
    try {
      const request = new TextEncoder().encode(JSON.stringify(state.lastSequence ? { since: String(state.lastSequence) } : {}));
      const envelope = new Uint8Array(5 + request.length);
      new DataView(envelope.buffer).setUint32(1, request.length);
      envelope.set(request, 5);
      const response = await fetch("/phonenumbers.v1.Events/WatchEvents", {
        method: "POST",
        headers: {
          "Content-Type": "application/connect+json",
          "Connect-Protocol-Version": "1",
          "Authorization": `Bearer ${state.token}`,
        },
        body: envelope,
        signal: controller.signal,
      });
      setOnline(true);
      scheduleRefresh();  // what changed while the stream was down
      await readEnvelopes(response.body.getReader(), (flags, json) => {
        if (flags & 2) {
          if (json.error && json.error.code === "unauthenticated") signOut(json.error.message);
          else if (json.error) setOnline(false);  // e.g. the server is draining: it reconnects below
          return;
        }
        if (json.sequence) state.lastSequence = Math.max(state.lastSequence, Number(json.sequence));
        scheduleRefresh();
      });
    } catch (_) {
      // Dropped: say so, and try again below.
      if (!controller.signal.aborted) setOnline(false);
    }
    if (!controller.signal.aborted) await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function readEnvelopes(reader, onMessage) {
  let buffered = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buffered.length + value.length);
    joined.set(buffered);
    joined.set(value, buffered.length);
    buffered = joined;
    while (buffered.length >= 5) {
      const view = new DataView(buffered.buffer, buffered.byteOffset);
      const length = view.getUint32(1);
      if (buffered.length < 5 + length) break;
      const flags = buffered[0];
      const json = JSON.parse(new TextDecoder().decode(buffered.subarray(5, 5 + length)) || "{}");
      buffered = buffered.slice(5 + length);
      onMessage(flags, json);
    }
  }
}

function stopWatching() {
  if (state.watch) state.watch.abort();
  state.watch = null;
}

let refreshTimer = null;
function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => refreshList().catch(showError), 100);
}

// ---- Banner --------------------------------------------------------------------------

function showBanner(text) {
  $("banner-text").textContent = text;
  $("banner").hidden = false;
  window.scrollTo({ top: 0 });
}

// A message that is not an error (role status, not alert).
function showNotice(text) {
  $("notice-text").textContent = text;
  $("notice").hidden = false;
}

function hideBanner() {
  $("notice").hidden = true;
  $("banner").hidden = true;
  $("banner-text").textContent = "";
}

function showError(error) {
  if (error instanceof CallError && error.code === "unauthenticated") {
    signOut(error.message);
    return;
  }
  showBanner(error.message || String(error));
}

// ---- Sign-in -------------------------------------------------------------------------

async function signIn(token) {
  state.token = token;
  const who = await call("Accounts/WhoAmI", {});
  if (!who.accountId) throw new CallError("invalid_argument", "This token does not belong to an account; sign in with a member's token.");
  state.who = who;
  sessionStorage.setItem(TOKEN_KEY, token);
  const [account, members] = await Promise.all([call("Accounts/GetAccount", {}), call("Accounts/ListMembers", {})]);
  state.account = account;
  const me = (members.members || []).find((member) => member.id === who.memberId);
  $("sign-in").hidden = true;
  $("app").hidden = false;
  $("who").hidden = false;
  $("who-text").textContent = `Signed in as ${me ? me.name + " · " : ""}${roleName(who.role)} · ${account.name} (${account.id})`;
  document.body.classList.toggle("read-only", !canManage());
  const us = account.country === "US";
  $("not-us").hidden = us;
  $("not-us-country").textContent = account.country || "another country";
  $("numbers-section").hidden = !us;
  if (!us) {
    $("create").hidden = true;
    return;
  }
  await loadChoices();
  await refreshList();
  watchEvents();
}

function signOut(message) {
  stopWatching();
  sessionStorage.removeItem(TOKEN_KEY);
  Object.assign(state, {
    token: "", who: null, account: null, numbers: [], campaigns: [], editing: null, confirming: null, protecting: null, protection: null,
    history: null, showReleased: false, released: [],
    lastSequence: 0,
  });
  $("app").hidden = true;
  $("who").hidden = true;
  $("sign-in").hidden = false;
  $("token").value = "";
  if (message) showBanner(message); else hideBanner();
  $("token").focus();
}

function canManage() {
  return state.who && MANAGERS.has(state.who.role);
}

function isOwner() {
  return state.who && state.who.role === "ROLE_OWNER";
}

function isUSAccount() {
  return state.account && state.account.country === "US";
}

function roleName(role) {
  const name = (role || "").replace("ROLE_", "").toLowerCase();
  return name.charAt(0).toUpperCase() + name.slice(1);
}

// ---- The add box ---------------------------------------------------------------------

async function loadChoices() {
  const [areaCodes, useCases] = await Promise.all([
    call("AreaCodes/ListAreaCodes", {}),
    call("Registration/ListUseCases", {}),
  ]);
  state.areaCodes = (areaCodes.areaCodes || []).filter((code) => code.areaCode !== "603" && code.state !== "NH");
  state.allUseCases = useCases.useCases || [];
  state.useCases = state.allUseCases.filter((useCase) => useCase.status === "USE_CASE_STATUS_APPROVED");

  const areaSelect = $("area-code");
  areaSelect.replaceChildren(new Option("Choose an area code", ""));
  for (const code of state.areaCodes) {
    const label = `${code.areaCode} · ${code.stateName || code.state}${code.available ? "" : " (no numbers right now)"}`;
    const option = new Option(label, code.areaCode);
    if (!code.available) option.dataset.unavailable = "true";
    areaSelect.add(option);
  }

  const useCaseSelect = $("use-case");
  useCaseSelect.replaceChildren();
  for (const useCase of state.useCases) {
    useCaseSelect.add(new Option(`${useCaseType(useCase.type)} · ${shorten(useCase.description, 60)}`, useCase.id));
  }
  $("no-use-case").hidden = state.useCases.length > 0;
  updateAddBox();
}

function useCaseType(type) {
  return (type || "").replace("USE_CASE_TYPE_", "").toLowerCase().replaceAll("_", " ").replace(/^./, (c) => c.toUpperCase());
}

function shorten(text, length) {
  return text && text.length > length ? text.slice(0, length - 1) + "…" : text || "";
}

function updateAddBox() {
  const full = state.numbers.length >= state.limit;
  $("create").hidden = !canManage() || !isUSAccount();
  $("add-fields").disabled = full || state.useCases.length === 0;
  $("limit-note").hidden = !full;
}

// Characters as the service counts them (grapheme clusters: an emoji is one), not the
// UTF-16 units of `maxlength`.
const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter() : null;
function characters(text) {
  return segmenter ? [...segmenter.segment(text)].map((part) => part.segment) : [...text];
}

// Keeps a name field within MAX_NAME characters.
function limitName(input) {
  const parts = characters(input.value);
  if (parts.length > MAX_NAME) input.value = parts.slice(0, MAX_NAME).join("");
}

function updateNameCount() {
  limitName($("number-name"));
  const length = characters($("number-name").value).length;
  $("name-count").textContent = `${length} of ${MAX_NAME} characters`;
}

async function addNumber(event) {
  event.preventDefault();
  hideBanner();
  const areaCode = $("area-code").value;
  if (!areaCode) {
    showBanner("Choose an area code.");
    $("area-code").focus();
    return;
  }
  const button = $("add-button");
  button.disabled = true;
  try {
    await call("Numbers/AddNumber", {
      areaCode,
      name: $("number-name").value,
      useCaseId: $("use-case").value,
      requestId: crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random(),
    });
    $("number-name").value = "";
    updateNameCount();
    await refreshList();
  } catch (error) {
    if (error.reason === "NO_NUMBERS_AVAILABLE") {
      const suggested = error.metadata.suggested_area_codes;
      showBannerWithSupport(`No phone numbers are available in area code ${areaCode}. Choose a different area code`
        + (suggested ? ` (numbers are available now in ${suggested.replaceAll(",", ", ")})` : "")
        + ", or contact support for assistance with a hard-to-get area code.");
    } else {
      showError(error);
    }
  } finally {
    button.disabled = false;
    updateAddBox();
  }
}

// ---- The list ------------------------------------------------------------------------

async function refreshList() {
  const [numbers, campaigns] = await Promise.all([
    call("Numbers/ListNumbers", state.showReleased ? { includeReleased: true } : {}),
    call("Campaigns/ListCampaigns", {}),
  ]);
  const all = numbers.numbers || [];
  state.numbers = all.filter((number) => number.status !== "NUMBER_STATUS_RELEASED");
  state.released = all.filter((number) => number.status === "NUMBER_STATUS_RELEASED");
  state.limit = numbers.limit || 5;
  state.campaigns = campaigns.campaigns || [];
  render();
}

// The numbers the search, the status filter and the sort leave, in order.
function visibleNumbers() {
  const query = state.query.trim().toLowerCase();
  const digits = query.replace(/\D/g, "");
  const status = (number) => (number.status || "").replace("NUMBER_STATUS_", "").toLowerCase();
  const shown = state.numbers.filter((number) =>
    (!state.statusFilter || status(number) === state.statusFilter)
    && (!query || (number.name || "").toLowerCase().includes(query) || (digits && (number.e164 || "").includes(digits))));
  const keys = {
    added: (number) => Number(number.createdAtMs || 0),
    number: (number) => number.e164 || "",
    name: (number) => (number.name || "").toLowerCase(),
    status: status,
  };
  const key = keys[state.sort] || keys.added;
  return shown.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function render() {
  const rows = $("rows");
  const focusedID = document.activeElement && document.activeElement.id;
  const shown = visibleNumbers();
  const panels = (number) => [
    state.protecting === number.id && state.protection ? protectionRow(number, formatE164(number.e164)) : null,
    state.history && state.history.numberId === number.id ? historyRow(number) : null,
  ].filter(Boolean);
  rows.replaceChildren(...shown.flatMap((number) => [row(number), ...panels(number)]));
  const released = state.showReleased ? state.released || [] : [];
  $("released").hidden = released.length === 0;
  $("released-rows").replaceChildren(...released.flatMap((number) => [releasedRow(number), ...panels(number)]));
  $("empty").hidden = state.numbers.length > 0;
  $("list-tools").hidden = state.numbers.length === 0;
  $("no-match").hidden = state.numbers.length === 0 || shown.length > 0;
  $("numbers").hidden = shown.length === 0;
  $("count").textContent = `${state.numbers.length} of ${state.limit} numbers`;
  updateAddBox();
  if (focusedID && $(focusedID)) $(focusedID).focus();
}

function formatE164(e164) {
  const match = /^\+1(\d{3})(\d{3})(\d{4})$/.exec(e164 || "");
  return match ? `(${match[1]}) ${match[2]}-${match[3]}` : e164 || "—";
}

function campaignsOf(number) {
  return state.campaigns.filter((campaign) => campaign.numberId === number.id && campaign.state !== "CAMPAIGN_STATE_ARCHIVED");
}

function activeCampaignsOf(number) {
  const active = new Set(["CAMPAIGN_STATE_ACTIVE", "CAMPAIGN_STATE_LAUNCHING", "CAMPAIGN_STATE_PAUSED"]);
  return campaignsOf(number).filter((campaign) => active.has(campaign.state));
}

function element(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (key === "onclick" || key === "onkeydown" || key === "onsubmit") node[key] = value;
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}

function row(number) {
  const spoken = formatE164(number.e164);
  const tr = element("tr", { "data-number-id": number.id });
  tr.append(
    element("td", { "data-label": "Number", class: "e164" }, spoken),
    element("td", { "data-label": "Name" }, nameCell(number, spoken)),
    element("td", { "data-label": "Area code" }, `${number.areaCode}${number.state ? " · " + number.state : ""}`),
    element("td", { "data-label": "Use case" }, useCaseLabel(number.useCaseId)),
    element("td", { "data-label": "Status" }, statusCell(number, spoken)),
    element("td", { "data-label": "Campaigns" }, campaignList(number)),
  );
  if (canManage()) tr.append(element("td", { class: "manage-only" }, actionsCell(number, spoken)));
  return tr;
}

// The use case's type, and what tells it apart from the account's others of that type.
function useCaseLabel(id) {
  const useCase = state.allUseCases.find((candidate) => candidate.id === id);
  if (!useCase) return id || "—";
  const label = element("span", { class: "use-case" }, useCaseType(useCase.type));
  if (useCase.description) label.append(element("span", { class: "hint use-case-description" }, shorten(useCase.description, 60)));
  label.title = useCase.description || useCase.id;
  return label;
}

function nameCell(number, spoken) {
  if (state.editing === number.id) {
    const input = element("input", { id: `name-${number.id}`, "aria-label": `Name of ${spoken}` });
    input.value = number.name || "";
    input.addEventListener("input", () => limitName(input));
    const save = () => rename(number, input.value);
    input.onkeydown = (event) => {
      if (event.key === "Enter") { event.preventDefault(); save(); }
      if (event.key === "Escape") { state.editing = null; render(); }
    };
    setTimeout(() => input.focus(), 0);
    return element("div", { class: "name-edit" }, input,
      element("button", { type: "button", class: "secondary", onclick: save }, "Save"),
      element("button", { type: "button", class: "link", onclick: () => { state.editing = null; render(); } }, "Cancel"));
  }
  const name = element("span", { class: "name" }, number.name || "—");
  if (!canManage()) return name;
  return element("span", {}, name, " ",
    element("button", {
      type: "button", class: "icon pencil", id: `rename-${number.id}`, "aria-label": `Rename ${spoken}`, title: "Rename",
      onclick: () => { state.editing = number.id; state.confirming = null; render(); },
    }, "✎"));
}

async function rename(number, name) {
  hideBanner();
  try {
    await call("Numbers/RenameNumber", { numberId: number.id, name });
    state.editing = null;
    await refreshList();
    const pencil = $(`rename-${number.id}`);
    if (pencil) pencil.focus();
  } catch (error) {
    showError(error);
  }
}

function statusCell(number, spoken) {
  const status = (number.status || "").replace("NUMBER_STATUS_", "").toLowerCase();
  const label = { ready: "Ready", provisioning: "Provisioning", reserving: "Reserving", failed: "Failed", released: "Released" }[status] || status;
  const cell = element("div", {}, element("span", { class: `tag ${status}`, "data-status": status }, label));
  if (number.tenDlcCampaignId) cell.append(element("p", { class: "hint ten-dlc" }, `10DLC campaign ${number.tenDlcCampaignId}`));
  if (status === "failed") {
    cell.append(element("p", { class: "failure" }, number.failureReason || "Provisioning failed."));
    if (canManage() && number.retryable) {
      cell.append(element("button", {
        type: "button", class: "secondary", "aria-label": `Retry provisioning ${spoken}`,
        onclick: () => retry(number),
      }, "Retry"));
    } else if (canManage()) {
      cell.append(element("p", { class: "hint" }, "A retry cannot help this number: delete it and add another."));
    }
  }
  return cell;
}

async function retry(number) {
  hideBanner();
  try {
    await call("Numbers/RetryProvisioning", { numberId: number.id });
    await refreshList();
    showNotice(`Provisioning ${formatE164(number.e164)} again: its status turns green when it is ready.`);
  } catch (error) {
    showError(error);
  }
}

function campaignList(number) {
  const campaigns = campaignsOf(number);
  if (campaigns.length === 0) return element("span", { class: "hint" }, "None");
  return element("ul", { class: "campaigns" }, ...campaigns.map((campaign) =>
    element("li", {}, `${campaign.name} (${campaign.state.replace("CAMPAIGN_STATE_", "").toLowerCase()})`)));
}

function actionsCell(number, spoken) {
  const cell = element("div", { class: "actions" });
  cell.append(element("button", {
    type: "button", class: "secondary", id: `history-button-${number.id}`, "aria-label": `History of ${spoken}`,
    "aria-expanded": String(Boolean(state.history && state.history.numberId === number.id)), onclick: () => toggleHistory(number),
  }, "History"));
  if (isOwner() && number.status === "NUMBER_STATUS_READY") {
    cell.append(element("button", {
      type: "button", class: "secondary", id: `protection-${number.id}`, "aria-expanded": String(state.protecting === number.id),
      "aria-label": `Port-out protection of ${spoken}`, onclick: () => toggleProtection(number),
    }, "Port-out protection"));
  }
  cell.append(element("button", {
    type: "button", class: "danger", id: `delete-${number.id}`, "aria-label": `Delete ${spoken}`,
    onclick: () => askDelete(number, spoken),
  }, "Delete"));
  if (state.confirming === number.id) {
    cell.append(element("div", { class: "confirm", role: "group", "aria-label": `Confirm deleting ${spoken}` },
      element("span", {}, `Delete ${spoken}? It is released and cannot be recovered.`),
      element("button", { type: "button", class: "danger", id: `confirm-delete-${number.id}`, onclick: () => remove(number) }, "Delete number"),
      element("button", { type: "button", class: "link", onclick: () => { state.confirming = null; render(); } }, "Cancel")));
    setTimeout(() => { const confirm = $(`confirm-delete-${number.id}`); if (confirm) confirm.focus(); }, 0);
  }
  return cell;
}

// ---- Port-out protection (owners) -----------------------------------------------------

async function toggleProtection(number) {
  hideBanner();
  if (state.protecting === number.id) {
    state.protecting = null;
    state.protection = null;
    render();
    return;
  }
  state.protecting = number.id;
  state.protection = { numberId: number.id, pin: null, attempts: [], failedAttempts: 0, lockedUntilMs: 0, confirmingReset: false };
  await loadAttempts(number);
}

async function loadAttempts(number) {
  try {
    const listed = await call("Numbers/ListPortOutAttempts", { numberId: number.id });
    if (!state.protection || state.protection.numberId !== number.id) return;
    Object.assign(state.protection, {
      attempts: listed.attempts || [],
      failedAttempts: listed.failedAttempts || 0,
      lockedUntilMs: Number(listed.lockedUntilMs || 0),
    });
    render();
  } catch (error) {
    showError(error);
  }
}

async function showPIN(number) {
  try {
    const pin = await call("Numbers/GetPortOutPin", { numberId: number.id });
    state.protection.pin = pin.pin;
    render();
  } catch (error) {
    showError(error);
  }
}

async function resetPIN(number) {
  try {
    const pin = await call("Numbers/ResetPortOutPin", { numberId: number.id });
    Object.assign(state.protection, { pin: pin.pin, confirmingReset: false });
    showNotice(`The port-out PIN of ${formatE164(number.e164)} was reset: the old one no longer works.`);
    await loadAttempts(number);
  } catch (error) {
    showError(error);
  }
}

function protectionRow(number, spoken) {
  const protection = state.protection;
  const panel = element("div", { class: "protection", id: `protection-panel-${number.id}`, role: "region", "aria-label": `Port-out protection of ${spoken}` });
  const pin = protection.pin
    ? element("span", {}, "PIN ", element("code", { id: `pin-${number.id}` }, protection.pin), " ",
      element("button", { type: "button", class: "link", onclick: () => { protection.pin = null; render(); } }, "Hide"))
    : element("button", { type: "button", class: "secondary", id: `show-pin-${number.id}`, onclick: () => showPIN(number) }, "Show PIN");
  const reset = protection.confirmingReset
    ? element("span", { class: "confirm" }, `Reset the PIN of ${spoken}? A carrier holding the old PIN can no longer port it out.`,
      element("button", { type: "button", class: "danger", id: `confirm-reset-${number.id}`, onclick: () => resetPIN(number) }, "Reset PIN"),
      element("button", { type: "button", class: "link", onclick: () => { protection.confirmingReset = false; render(); } }, "Cancel"))
    : element("button", { type: "button", class: "secondary", id: `reset-pin-${number.id}`,
      onclick: () => { protection.confirmingReset = true; render(); } }, "Reset PIN…");
  const locked = protection.lockedUntilMs > Date.now();
  const lock = element("p", { class: locked ? "failure" : "hint", id: `lock-${number.id}` }, locked
    ? `Port-outs are locked until ${new Date(protection.lockedUntilMs).toLocaleString()} after repeated wrong PINs.`
    : `${protection.failedAttempts} wrong PIN(s) toward the lock (3 lock port-outs for 15 minutes).`);
  const attempts = protection.attempts.length === 0
    ? element("p", { class: "hint" }, "No port-out requests so far.")
    : element("ul", { class: "attempts", id: `attempts-${number.id}` }, ...protection.attempts.map((attempt) =>
      element("li", {}, `${new Date(Number(attempt.atMs)).toLocaleString()} · ${attempt.gainingCarrier || "a carrier"} · ${outcomeName(attempt.outcome)}`)));
  panel.append(element("div", { class: "protection-actions" }, pin, reset), lock, element("h3", {}, "Port-out requests"), attempts);
  return element("tr", { class: "protection-row" }, element("td", { colspan: "7" }, panel));
}

function outcomeName(outcome) {
  return { APPROVED: "approved", PIN_MISMATCH: "wrong PIN", LOCKED: "refused: locked", NUMBER_IN_USE: "refused: on active campaigns" }[outcome]
    || (outcome || "").toLowerCase();
}

// ---- History (owners, admins) ---------------------------------------------------------

// The number's audit entries and those of the campaigns created on it, oldest first (as
// `phone-numbers numbers history` lists them).
async function toggleHistory(number) {
  hideBanner();
  if (state.history && state.history.numberId === number.id) {
    state.history = null;
    render();
    return;
  }
  try {
    const campaigns = await call("Campaigns/ListCampaigns", { numberId: number.id });
    const subjects = [number.id, ...(campaigns.campaigns || []).map((campaign) => campaign.id)];
    const names = Object.fromEntries((campaigns.campaigns || []).map((campaign) => [campaign.id, campaign.name]));
    const pages = await Promise.all(subjects.map((subjectId) => call("Events/ListAuditEvents", { subjectId, pageSize: 500 })));
    const entries = pages.flatMap((page) => page.events || [])
      .sort((a, b) => Number(a.atMs) - Number(b.atMs) || Number(a.id) - Number(b.id));
    state.history = { numberId: number.id, entries, names };
    render();
  } catch (error) {
    showError(error);
  }
}

function historyRow(number) {
  const { entries, names } = state.history;
  const list = entries.length === 0
    ? element("p", { class: "hint" }, "Nothing recorded yet.")
    : element("ol", { class: "history", id: `history-${number.id}` }, ...entries.map((entry) => {
      const about = names[entry.subjectId] ? ` · campaign ${names[entry.subjectId]}` : "";
      const change = entry.oldValue || entry.newValue ? ` · ${entry.oldValue || "—"} → ${entry.newValue || "—"}` : "";
      return element("li", {}, `${new Date(Number(entry.atMs)).toLocaleString()} · ${actionName(entry.action)}${about}${change} · by ${entry.actor}`);
    }));
  const panel = element("div", { class: "protection", role: "region", "aria-label": `History of ${formatE164(number.e164)}` },
    element("h3", {}, "History"), list);
  return element("tr", { class: "history-row" }, element("td", { colspan: "7" }, panel));
}

function actionName(action) {
  const text = (action || "").toLowerCase().replaceAll("_", " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// A released number: what it was, when it went, and its history.
function releasedRow(number) {
  const spoken = formatE164(number.e164);
  return element("tr", { "data-number-id": number.id, class: "released" },
    element("td", { "data-label": "Number", class: "e164" }, spoken),
    element("td", { "data-label": "Name" }, number.name || "—"),
    element("td", { "data-label": "Released" }, number.releasedAtMs ? new Date(Number(number.releasedAtMs)).toLocaleString() : "—"),
    element("td", { "data-label": "Reason" }, number.failureReason || ""),
    element("td", { class: "manage-only" }, element("button", {
      type: "button", class: "secondary", id: `history-button-${number.id}`, "aria-label": `History of ${spoken}`,
      onclick: () => toggleHistory(number),
    }, "History")));
}

function inUseWarning(spoken, names) {
  return `${spoken} is used by active campaigns: ${names}. Archive those campaigns before deleting this number.`;
}

function askDelete(number, spoken) {
  hideBanner();
  const active = activeCampaignsOf(number);
  if (active.length > 0) {
    state.confirming = null;
    render();
    showBanner(inUseWarning(spoken, active.map((campaign) => campaign.name).join(", ")));
    return;
  }
  state.confirming = number.id;
  render();
}

async function remove(number) {
  hideBanner();
  try {
    await call("Numbers/DeleteNumber", { numberId: number.id });
    state.confirming = null;
    await refreshList();
  } catch (error) {
    state.confirming = null;
    render();
    if (error.reason === "NUMBER_IN_USE") {
      showBanner(inUseWarning(formatE164(number.e164), (error.metadata.campaign_names || "").replaceAll(",", ", ")));
    } else {
      showError(error);
    }
  }
}

// ---- Export --------------------------------------------------------------------------

const EXPORT_COLUMNS = ["id", "e164", "areaCode", "state", "name", "useCaseId", "status", "failureReason", "retryable",
  "tenDlcCampaignId", "createdAtMs", "readyAtMs", "failedAtMs", "updatedAtMs"];

// A CSV field as RFC 4180 quotes it; one a spreadsheet would run as a formula gets an apostrophe.
function csvField(value) {
  let text = value === undefined || value === null ? "" : String(value);
  if (/^[=+\-@]/.test(text) && !/^\+\d+$/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function download(name, type, text) {
  const link = element("a", { href: URL.createObjectURL(new Blob([text], { type })), download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10000);
}

function exportNumbers(format) {
  const stamp = new Date().toISOString().slice(0, 10);
  const base = `dedicated-numbers-${state.account ? state.account.id : "account"}-${stamp}`;
  if (format === "json") {
    download(`${base}.json`, "application/json", JSON.stringify({ numbers: state.numbers }, null, 2) + "\n");
    return;
  }
  const lines = [EXPORT_COLUMNS.join(",")].concat(state.numbers.map((number) => EXPORT_COLUMNS.map((key) => csvField(number[key])).join(",")));
  download(`${base}.csv`, "text/csv", lines.join("\r\n") + "\r\n");
}

// ---- Links ---------------------------------------------------------------------------

// Where the page sends people: the registration forms and support, when configured; the
// command-line flows otherwise.
async function loadLinks() {
  try {
    const response = await fetch("/page-config.json");
    if (response.ok) state.links = await response.json();
  } catch (_) { /* offline: no links */ }
  const registration = state.links.registrationUrl;
  for (const link of document.querySelectorAll(".registration-link")) {
    if (registration) link.href = registration; else link.removeAttribute("href");
  }
  $("help-registration").hidden = !registration;
  $("registration-cli").hidden = Boolean(registration);
  $("help-support").hidden = !state.links.supportUrl;
  if (state.links.supportUrl) $("help-support").href = state.links.supportUrl;
}

// The banner, with a link to support after its text when one is configured.
function showBannerWithSupport(text) {
  showBanner(text);
  if (state.links.supportUrl) {
    $("banner-text").append(" ", element("a", { href: state.links.supportUrl, id: "banner-support" }, "Contact support"));
  }
}

// ---- Start ---------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("banner-close").onclick = hideBanner;
  $("search").addEventListener("input", () => { state.query = $("search").value; render(); });
  $("status-filter").addEventListener("change", () => { state.statusFilter = $("status-filter").value; render(); });
  $("sort").addEventListener("change", () => { state.sort = $("sort").value; render(); });
  $("show-released").addEventListener("change", () => {
    state.showReleased = $("show-released").checked;
    refreshList().catch(showError);
  });
  $("export-csv").onclick = () => exportNumbers("csv");
  $("export-json").onclick = () => exportNumbers("json");
  $("notice-close").onclick = () => { $("notice").hidden = true; };
  $("sign-out").onclick = () => signOut();
  $("number-name").addEventListener("input", updateNameCount);
  $("add-form").addEventListener("submit", addNumber);
  $("sign-in-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    hideBanner();
    try {
      await signIn($("token").value.trim());
    } catch (error) {
      signOut(error.message);
    }
  });
  updateNameCount();
  loadLinks();
  if (state.token) {
    signIn(state.token).catch((error) => signOut(error.message));
  } else {
    signOut();
  }
});
