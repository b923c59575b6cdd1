// The portal's one way to the Admin API: the user's bearer token on every request, FSPIOP errorInformation
// bodies turned into ApiError, and a 401 sending the user back to the login page. Amounts stay exact: a JSON
// number that is not a safe integer is kept as the decimal text the server sent (never a float).
const TOKEN_KEY = 'mizani.portal.token';

export class ApiError extends Error {
  constructor(status, code, description) {
    super(code ? `${code}: ${description}` : description);
    this.status = status;
    this.code = code;
    this.description = description;
  }
}

let unauthorisedListener = () => {};

/** Called when the Admin API answers 401 to a request made with the session's token. */
export function onUnauthorised(listener) {
  unauthorisedListener = listener;
}

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set token(value) {
    if (value) sessionStorage.setItem(TOKEN_KEY, value);
    else sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** JSON.parse keeping every non-integer or unsafe number as its source text (Chromium, Firefox, Safari 18+). */
export function parseExact(text) {
  return JSON.parse(text, (_key, value, context) => {
    if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
    return context && typeof context.source === 'string' ? context.source : String(value);
  });
}

/** One Admin API request: resolves with {status, body, headers}, rejects with ApiError on any non-2xx answer. */
export async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  const token = session.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  let json;
  try {
    json = text ? parseExact(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) {
    const info = json?.errorInformation ?? {};
    const error = new ApiError(response.status, info.errorCode, info.errorDescription ?? (text || response.statusText));
    if (response.status === 401 && token && path !== '/auth/token') unauthorisedListener(error);
    throw error;
  }
  return { status: response.status, body: json, headers: response.headers };
}

export const get = async (path) => (await api('GET', path)).body;

/** A query string of the given values, leaving out empty ones. */
export function queryString(values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Settlement lists answer 3100 "... not found" when nothing matches: to the portal that is an empty list. */
export async function listOrEmpty(path) {
  try {
    return await get(path);
  } catch (error) {
    if (error instanceof ApiError && error.code === '3100' && /not found/i.test(error.description)) return [];
    throw error;
  }
}

/**
 * An action on a route that may be under maker-checker: {done: true, body} when it acted, {proposal} when the
 * Admin API answered 202 with a proposal awaiting another user's approval.
 */
export async function act(method, path, body) {
  const answer = await api(method, path, body);
  if (answer.status === 202 && answer.body?.proposal) return { proposal: answer.body.proposal };
  return { done: true, body: answer.body };
}
