// The public GraphQL API, and nothing else: queries with fetch() and the user's bearer token, and the
// alertRaised subscription over a WebSocket speaking graphql-transport-ws (written here, no library).

import { freshToken, getConfig } from "./auth.js";

export class ApiError extends Error {
  constructor(errors) {
    super(errors.map((e) => e.message).join("; "));
    this.errors = errors;
    this.code = (errors[0] && errors[0].extensions && errors[0].extensions.code) || "ERROR";
  }
}

let onUnauthenticated = () => {};

/** What to do when the API says the caller is not (or no longer) signed in. */
export function whenUnauthenticated(handler) {
  onUnauthenticated = handler;
}

function endpoint() {
  return (getConfig() && getConfig().graphqlPath) || "/graphql";
}

export async function gql(query, variables = {}) {
  const token = await freshToken();
  if (!token) {
    onUnauthenticated();
    throw new ApiError([{ message: "not signed in", extensions: { code: "UNAUTHENTICATED" } }]);
  }
  const response = await fetch(endpoint(), {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError([{ message: `HTTP ${response.status}`, extensions: { code: `HTTP_${response.status}` } }]);
  }
  if (body.errors && body.errors.length) {
    const error = new ApiError(body.errors);
    if (error.code === "UNAUTHENTICATED") onUnauthenticated();
    throw error;
  }
  return body.data;
}

/** Every page of a connection: pick(data) -> {edges|items, pageInfo}; returns the nodes in order. */
export async function allPages(query, variables, pick, pageSize = 200) {
  const nodes = [];
  let after = null;
  for (;;) {
    const page = pick(await gql(query, { ...variables, first: pageSize, after }));
    nodes.push(...page.items);
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) return nodes;
    after = page.pageInfo.endCursor;
  }
}

// -- subscriptions: the graphql-transport-ws protocol --------------------------------------------------

const PROTOCOL = "graphql-transport-ws";

/**
 * One subscription kept alive: connection_init with the token in the payload ({"Authorization": "Bearer …"}),
 * connection_ack, subscribe, next…; answers ping with pong; reconnects with backoff when the socket closes,
 * and then calls onReconnect (so the page can fetch what it missed).
 */
export class Subscription {
  constructor(query, variables, { onData, onState = () => {}, onReconnect = () => {}, onError = () => {} }) {
    this.query = query;
    this.variables = variables;
    this.onData = onData;
    this.onState = onState;
    this.onReconnect = onReconnect;
    this.onError = onError;
    this.socket = null;
    this.stopped = false;
    this.attempt = 0;
    this.everAcked = false;
    this.timer = null;
    this.nextId = 1;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}${endpoint()}`;
  }

  async start() {
    this.stopped = false;
    const token = await freshToken();
    if (this.stopped) return;
    if (!token) {
      onUnauthenticated();
      return;
    }
    this.onState("connecting");
    const socket = new WebSocket(this.url(), PROTOCOL);
    this.socket = socket;
    const id = String(this.nextId++);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } }));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      switch (message.type) {
        case "connection_ack":
          this.attempt = 0;
          socket.send(JSON.stringify({ id, type: "subscribe", payload: { query: this.query, variables: this.variables } }));
          this.onState("open");
          if (this.everAcked) this.onReconnect();
          this.everAcked = true;
          break;
        case "next":
          if (message.id !== id) break;
          if (message.payload && message.payload.errors && message.payload.errors.length) {
            this.fail(new ApiError(message.payload.errors));
          } else if (message.payload && message.payload.data) {
            this.onData(message.payload.data);
          }
          break;
        case "error":
          if (message.id === id) this.fail(new ApiError(Array.isArray(message.payload) ? message.payload : [message.payload]));
          break;
        case "complete":
          if (message.id === id && !this.stopped) socket.close(1000, "completed");
          break;
        case "ping":
          socket.send(JSON.stringify({ type: "pong" }));
          break;
        default:
          break;
      }
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (this.stopped) return;
      if (event.code === 4401 || event.code === 4403) {
        this.onState("closed");
        if (event.code === 4401) onUnauthenticated();
        return;
      }
      this.onState("reconnecting");
      const delay = Math.min(30_000, 1000 * 2 ** this.attempt);
      this.attempt += 1;
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  fail(error) {
    if (error.code === "UNAUTHENTICATED") onUnauthenticated();
    this.onError(error);
    if (error.code === "UNAUTHENTICATED" || error.code === "FORBIDDEN") {
      this.stop();
      this.onState("closed");
    }
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.socket) {
      const socket = this.socket;
      this.socket = null;
      try {
        if (socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ id: String(this.nextId - 1), type: "complete" }));
        socket.close(1000, "done");
      } catch {
        /* already closing */
      }
    }
  }
}
