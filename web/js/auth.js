// Cognito sign-in with the user pool's JSON API (no SDK): InitiateAuth USER_PASSWORD_AUTH, then
// REFRESH_TOKEN_AUTH before the ID token expires; RespondToAuthChallenge for the new password an
// admin-created user must set. The app sends the ID token: only it carries custom:kecamatan.
// Locally the endpoint is moto's (aws_endpoint_url), which answers CORS preflights itself.

const SESSION_KEY = "sutasoma.session";
const REFRESH_MARGIN_MS = 120_000;

export class AuthError extends Error {
  constructor(message, code = null) {
    super(message);
    this.name = "AuthError";
    this.code = code;
  }
}

const MESSAGES = {
  NotAuthorizedException: "Nama pengguna atau kata sandi salah.",
  UserNotFoundException: "Nama pengguna atau kata sandi salah.",
  PasswordResetRequiredException: "Kata sandi harus diatur ulang: hubungi admin Dinas Pertanian.",
  UserNotConfirmedException: "Akun belum dikonfirmasi: hubungi admin Dinas Pertanian.",
  InvalidPasswordException: "Kata sandi baru belum memenuhi aturan: minimal 10 karakter, huruf besar, huruf kecil dan angka.",
  TooManyRequestsException: "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
};

async function cognito(config, action, payload) {
  let response;
  try {
    response = await fetch(config.cognito_endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(payload),
      cache: "no-store",
    });
  } catch {
    throw new AuthError("Tidak ada sinyal: masuk memerlukan jaringan.", "NETWORK");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(data.__type ?? data.code ?? "").split("#").pop();
    throw new AuthError(MESSAGES[type] ?? data.message ?? `Gagal masuk (${response.status}).`, type || null);
  }
  return data;
}

export function decodeJwt(token) {
  const part = token.split(".")[1] ?? "";
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "=");
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function groupsOf(claims) {
  const raw = claims["cognito:groups"];
  if (Array.isArray(raw)) return raw;
  if (typeof raw === "string") return raw.replace(/^\[|\]$/g, "").split(/[\s,]+/).filter(Boolean);
  return [];
}

function sessionFrom(result, refreshToken) {
  const claims = decodeJwt(result.IdToken);
  const groups = groupsOf(claims);
  const role = groups.includes("admin") ? "admin" : groups.includes("coordinator") ? "coordinator" : "agent";
  return {
    username: claims["cognito:username"] ?? claims.username ?? claims.sub,
    name: claims.name ?? null,
    role,
    kecamatan: claims["custom:kecamatan"] ?? null,
    idToken: result.IdToken,
    refreshToken: result.RefreshToken ?? refreshToken,
    expiresAt: claims.exp * 1000,
    // The server's clock seen through the token (iat), for paid_at of work captured offline.
    clockOffsetMs: claims.iat * 1000 - Date.now(),
  };
}

export function loadSession() {
  try {
    const session = JSON.parse(localStorage.getItem(SESSION_KEY) ?? "null");
    return session?.idToken && session?.refreshToken ? session : null;
  } catch {
    return null;
  }
}

function save(session) {
  localStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function forgetSession() {
  localStorage.removeItem(SESSION_KEY);
}

/** Sign in; returns a session, or {challenge, session} when Cognito asks for a new password. */
export async function signIn(config, username, password) {
  const data = await cognito(config, "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { USERNAME: username, PASSWORD: password },
  });
  if (data.ChallengeName) {
    if (data.ChallengeName !== "NEW_PASSWORD_REQUIRED") {
      throw new AuthError(`Cognito meminta langkah ${data.ChallengeName} yang belum didukung aplikasi ini.`);
    }
    return { challenge: data.ChallengeName, cognitoSession: data.Session, username };
  }
  return save(sessionFrom(data.AuthenticationResult));
}

export async function setNewPassword(config, challenge, newPassword) {
  const data = await cognito(config, "RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: config.user_pool_client_id,
    Session: challenge.cognitoSession,
    ChallengeResponses: { USERNAME: challenge.username, NEW_PASSWORD: newPassword },
  });
  if (!data.AuthenticationResult) throw new AuthError("Cognito tidak memberi token setelah kata sandi baru.");
  return save(sessionFrom(data.AuthenticationResult));
}

let refreshing = null;

/** The session with an ID token valid for at least two more minutes (refreshed if needed). */
export async function freshSession(config, session, { force = false } = {}) {
  if (!force && session.expiresAt - Date.now() > REFRESH_MARGIN_MS) return session;
  refreshing ??= cognito(config, "InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config.user_pool_client_id,
    AuthParameters: { REFRESH_TOKEN: session.refreshToken },
  })
    .then((data) => save(sessionFrom(data.AuthenticationResult, session.refreshToken)))
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}
