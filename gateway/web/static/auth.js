// Sign-in. Production: Keycloak's authorization code flow with PKCE (S256) for the public client
// lianjian-dashboard. Dev mode: a picker of the realm file's demo users, tokens from POST /dev/token.
// Tokens stay in sessionStorage (this tab only, gone when it closes); they are sent only to this origin.

const SESSION_KEY = "lianjian.session";
const PKCE_KEY = "lianjian.pkce";
const REFRESH_MARGIN_MS = 30_000;

let config = null;
let refreshing = null;

export async function loadConfig() {
  const response = await fetch("/config.json", { cache: "no-cache" });
  if (!response.ok) throw new Error(`/config.json: HTTP ${response.status}`);
  config = await response.json();
  return config;
}

export function getConfig() {
  return config;
}

// -- the session -----------------------------------------------------------------------------------

export function session() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch {
    return null;
  }
}

function saveSession(value) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

function storeTokens(tokens, mode) {
  saveSession({
    mode,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token || null,
    idToken: tokens.id_token || null,
    expiresAt: Date.now() + Number(tokens.expires_in || 300) * 1000,
  });
}

/** A token that is still good (refreshed first when Keycloak's is about to expire), or null. */
export async function freshToken() {
  const current = session();
  if (!current || !current.accessToken) return null;
  if (current.mode === "keycloak" && current.refreshToken && current.expiresAt - Date.now() < REFRESH_MARGIN_MS) {
    refreshing ??= refresh(current.refreshToken).finally(() => {
      refreshing = null;
    });
    return refreshing;
  }
  if (current.expiresAt && current.expiresAt <= Date.now()) {
    clearSession();
    return null;
  }
  return current.accessToken;
}

async function refresh(refreshToken) {
  try {
    const response = await fetch(`${oidcBase()}/token`, {
      method: "POST",
      body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken, client_id: config.clientId }),
    });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    storeTokens(await response.json(), "keycloak");
    return session().accessToken;
  } catch {
    clearSession();
    return null;
  }
}

// -- dev mode ---------------------------------------------------------------------------------------

export async function devUsers() {
  const response = await fetch("/dev/users", { cache: "no-store" });
  if (!response.ok) throw new Error(`/dev/users: HTTP ${response.status}`);
  return (await response.json()).users;
}

export async function devSignIn(username) {
  const response = await fetch("/dev/token", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username }),
  });
  if (!response.ok) throw new Error(`/dev/token: HTTP ${response.status}`);
  storeTokens(await response.json(), "dev");
}

// -- Keycloak: authorization code flow with PKCE ------------------------------------------------------

function oidcBase() {
  return `${config.keycloakUrl}/realms/${encodeURIComponent(config.realm)}/protocol/openid-connect`;
}

function redirectUri() {
  return `${location.origin}/`;
}

function base64url(bytes) {
  let text = "";
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function randomString(bytes) {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function codeChallenge(verifier) {
  return base64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
}

/** Leave for Keycloak's sign-in page; it comes back to / with ?code=…&state=…. */
export async function startKeycloakSignIn(uiLocale) {
  const verifier = randomString(48);
  const state = randomString(16);
  const nonce = randomString(16);
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, nonce, returnTo: location.hash || "#/" }));
  const params = new URLSearchParams({
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    response_type: "code",
    scope: "openid",
    state,
    nonce,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: "S256",
    ui_locales: uiLocale,
  });
  location.assign(`${oidcBase()}/auth?${params}`);
}

function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
    return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0))));
  } catch {
    return {};
  }
}

/** On the way back from Keycloak: exchange the code for tokens. False when this load is not such a return. */
export async function completeKeycloakSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has("code") && !params.has("error")) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) || "null");
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", `/${saved && saved.returnTo ? saved.returnTo : ""}`);
  if (params.has("error")) throw new Error(params.get("error_description") || params.get("error"));
  if (!saved || saved.state !== params.get("state")) throw new Error("state mismatch");
  const response = await fetch(`${oidcBase()}/token`, {
    method: "POST",
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code: params.get("code"),
      redirect_uri: redirectUri(),
      client_id: config.clientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!response.ok) throw new Error(`token endpoint: HTTP ${response.status}`);
  const tokens = await response.json();
  if (tokens.id_token && claims(tokens.id_token).nonce !== saved.nonce) throw new Error("nonce mismatch");
  storeTokens(tokens, "keycloak");
  return true;
}

/** Forget the tokens; for Keycloak also end the single sign-on session (leaves the page). */
export function signOut() {
  const current = session();
  clearSession();
  if (current && current.mode === "keycloak" && config && !config.devMode) {
    const params = new URLSearchParams({ client_id: config.clientId, post_logout_redirect_uri: redirectUri() });
    if (current.idToken) params.set("id_token_hint", current.idToken);
    location.assign(`${oidcBase()}/logout?${params}`);
    return true;
  }
  return false;
}
