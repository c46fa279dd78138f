// The console's only door to the server: same-origin fetches with the
// staff token, answers parsed, and problem+json bodies turned into one
// shape (ApiError) that the views know how to show.
import { language, t } from './i18n.js';

// sessionStorage, never localStorage or a cookie: the token lives as long
// as this tab, is not sent anywhere by the browser on its own, and is not
// left behind on a shared back-office machine.
const TOKEN_KEY = 'dsr.console.token';

export const session = {
  token() { return sessionStorage.getItem(TOKEN_KEY); },
  save(token) { sessionStorage.setItem(TOKEN_KEY, token); },
  clear() { sessionStorage.removeItem(TOKEN_KEY); },
};

// An answer that is not 2xx. `problem` is the RFC 9457 body when the server
// sent one (type, title, status, detail, errors), else a stand-in.
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
  // The problem's kind: "urn:dsr:problem:stale_version" -> "stale_version".
  get kind() {
    const type = this.problem.type || '';
    return type.slice(type.lastIndexOf(':') + 1);
  }
}

// What the server said of this connection's client certificate when it
// served the page (<meta name="dsr-certificate">): "staff" (it signs a
// member of staff in), "none" (the server asks for certificates, the
// browser gave none) or "off" (the server does not ask).
export function certificateSignIn() {
  return document.querySelector('meta[name="dsr-certificate"]')?.getAttribute('content') || 'off';
}
let certificateSession = false;
export function useCertificate() { certificateSession = true; }

// Called when the server no longer accepts the token (401), so that the
// app can send the user back to the sign-in form.
let onUnauthorized = () => {};
export function whenUnauthorized(handler) { onUnauthorized = handler; }

async function send(path, { method = 'GET', body, token = session.token(), accept = 'application/json' } = {}) {
  const headers = { Accept: accept, 'Accept-Language': language() };
  if (token) headers.Authorization = `Bearer ${token}`;
  // Always for a change: under a client certificate dsr takes a change only
  // as JSON, which no other site can send without its leave.
  if (body !== undefined || method !== 'GET') headers['Content-Type'] = 'application/json';
  let response;
  try {
    // 'same-origin', not 'omit': a browser presents its client
    // certificate only on credentialed requests, and a member of staff
    // signed in with one has no token. dsr sets no cookies.
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store', redirect: 'error',
    });
  } catch (e) {
    throw new ApiError(0, { title: t('error_title'), detail: t('network_error', { message: e.message }) });
  }
  if (response.ok) return response;
  let problem;
  try {
    problem = await response.json();
  } catch {
    problem = { title: t('error_title'), detail: t('bad_answer', { status: response.status }) };
  }
  const error = new ApiError(response.status, { status: response.status, ...problem });
  if (response.status === 401 && token && token === session.token()) onUnauthorized(error);
  // Signed in with a certificate, no token: a certificate the server no
  // longer takes (revoked, expired, mapping removed) ends the session too.
  if ((response.status === 401 || error.kind === 'certificate_unknown') && !token && certificateSession) onUnauthorized(error);
  throw error;
}

export async function getJson(path, options) {
  const response = await send(path, options);
  try {
    return await response.json();
  } catch {
    throw new ApiError(response.status, { title: t('error_title'), detail: t('bad_answer', { status: response.status }) });
  }
}

export const postJson = (path, body) => getJson(path, { method: 'POST', body });

// For the report: the page as text (shown in a sandboxed frame) or a file
// to download, fetched with the token like everything else.
export async function getText(path, accept) { return (await send(path, { accept })).text(); }
export async function getBlob(path, accept) { return (await send(path, { accept })).blob(); }

// A query string from the filled-in fields only.
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

// Without a token: whom the connection's client certificate signs in.
export const whoami = (token) => getJson('/v1/whoami', { token });
