// The SUTASOMA HTTP API (shared/CONTRACT.md) with the user's ID token. Errors come back as
// RFC 9457 problem+json: ApiError carries its status, code, detail (Bahasa Indonesia) and errors.
// A request that gets no answer (offline, timeout) is a NetworkError: nothing is known to have
// happened, and only idempotent or keyed requests are ever sent again.
import { AuthError, freshSession } from "./auth.js";

const TIMEOUT_MS = 25_000;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? problem?.message ?? `HTTP ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.code = problem?.code ?? null;
    this.detail = problem?.detail ?? problem?.message ?? null;
    this.problem = { status, ...(problem ?? {}) };
  }
}

export class NetworkError extends Error {
  constructor(message = "Tidak ada sinyal.") {
    super(message);
    this.name = "NetworkError";
  }
}

/** Is this worth sending again later (no answer, the server's fault, throttling, no session)? */
export function isTransient(error) {
  if (error instanceof NetworkError) return true;
  if (error instanceof AuthError) return true;
  if (error instanceof ApiError) return error.status >= 500 || error.status === 429 || error.status === 401;
  return false;
}

export class Api {
  constructor(config, sessionRef) {
    this.base = config.api_url.replace(/\/+$/, "");
    this.config = config;
    this.sessionRef = sessionRef; // {get(), set(session), expired()}
    this.memory = new Map(); // GET answers of this session, in memory only: shown again when offline
  }

  async token(force = false) {
    const session = this.sessionRef.get();
    if (!session) throw new AuthError("Sesi berakhir: masuk lagi.", "NO_SESSION");
    try {
      const fresh = await freshSession(this.config, session, { force });
      if (fresh !== session) this.sessionRef.set(fresh);
      return fresh.idToken;
    } catch (error) {
      if (error instanceof AuthError && error.code === "NETWORK") throw new NetworkError();
      if (error instanceof AuthError && error.code === "NotAuthorizedException") this.sessionRef.expired();
      throw error;
    }
  }

  async request(method, path, { body, query, idempotencyKey, ifMatch, accept = "json", withEtag = false, retried = false } = {}) {
    const url = new URL(this.base + path);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
    }
    const headers = { Authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    if (ifMatch) headers["If-Match"] = ifMatch;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
    let response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: "no-store",
      });
    } catch {
      throw new NetworkError();
    } finally {
      clearTimeout(timer);
    }
    if (response.status === 401 && !retried) {
      await this.token(true);
      return this.request(method, path, { body, query, idempotencyKey, ifMatch, accept, withEtag, retried: true });
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => null);
      throw new ApiError(response.status, problem);
    }
    if (accept === "blob") return response.blob();
    if (response.status === 204) return null;
    const data = await response.json();
    // The record's version (PATCH /farmers/{id} takes it back as If-Match): {data, etag}.
    return withEtag ? { data, etag: response.headers.get("ETag") } : data;
  }

  /** GET; when offline, the last answer of this session (marked `stale`) if there is one. */
  async get(path, query) {
    const id = `${path}?${new URLSearchParams(query ?? {}).toString()}`;
    try {
      const data = await this.request("GET", path, { query });
      this.remember(id, data);
      return data;
    } catch (error) {
      if (error instanceof NetworkError && this.memory.has(id)) {
        return { ...this.memory.get(id), stale: true };
      }
      throw error;
    }
  }

  remember(id, data) {
    this.memory.delete(id);
    this.memory.set(id, data);
    while (this.memory.size > 200) this.memory.delete(this.memory.keys().next().value);
  }

  forget() {
    this.memory.clear();
  }

  post(path, body, options = {}) {
    return this.request("POST", path, { ...options, body });
  }

  /** PATCH with the ETag the record was read with: 412 PRECONDITION_FAILED if someone changed it since. */
  patch(path, body, { ifMatch } = {}) {
    return this.request("PATCH", path, { body, ifMatch, withEtag: true });
  }

  blob(path) {
    return this.request("GET", path, { accept: "blob" });
  }
}
