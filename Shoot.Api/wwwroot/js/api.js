// REST calls with the contract's envelope, and the session (tokens) kept in localStorage.
// An expired access token is refreshed once and the call retried; a failed refresh signs the user out.

const KEY = 'shoot.session';

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `Request failed (${status})`);
    this.status = status;
    this.code = body && body.errorCode;
    this.errors = body && body.errors;
  }
}

export const session = {
  get() { try { return JSON.parse(localStorage.getItem(KEY)); } catch { return null; } },
  set(value) {
    localStorage.setItem(KEY, JSON.stringify(value));
    // The Hangfire dashboard reads the token from this cookie (admins only get in); scoped to its path.
    document.cookie = `shoot_admin_token=${encodeURIComponent(value.accessToken)}; path=/hangfire; SameSite=Strict`;
  },
  clear() {
    localStorage.removeItem(KEY);
    document.cookie = 'shoot_admin_token=; path=/hangfire; SameSite=Strict; max-age=0';
  },
};

let onSignedOut = () => {};
export function whenSignedOut(callback) { onSignedOut = callback; }

function remember(data) {
  session.set({ userId: data.userId, accessToken: data.accessToken, refreshToken: data.refreshToken,
    expiresAt: Date.now() + data.expiresIn * 1000 });
}

export async function login(username, password) {
  remember(await call('POST', '/api/v1/auth/login', { username, password }, { anonymous: true }));
}

let refreshing = null;
export function refresh() {
  // One refresh at a time: refresh tokens rotate, and a second use of the old one would revoke the family.
  refreshing ??= (async () => {
    const current = session.get();
    try {
      remember(await call('POST', '/api/v1/auth/refresh', { refreshToken: current.refreshToken }, { anonymous: true }));
    } catch (error) {
      session.clear();
      onSignedOut();
      throw error;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** A token valid for at least another minute. */
export async function freshToken() {
  const current = session.get();
  if (current && current.expiresAt - Date.now() < 60_000) await refresh();
  return session.get()?.accessToken;
}

export async function call(method, path, body, { anonymous = false, retried = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (!anonymous) headers.Authorization = 'Bearer ' + await freshToken();
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const envelope = await response.json().catch(() => null);
  if (response.status === 401 && !anonymous && !retried) {
    await refresh();
    return call(method, path, body, { retried: true });
  }
  if (!response.ok) throw new ApiError(response.status, envelope);
  return envelope.data;
}
