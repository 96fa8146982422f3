// The API client: axios with the access token in memory and one refresh on
// an expired token. Concurrent requests that fail together share a single
// refresh; a request is retried at most once.
import axios, { AxiosError, type AxiosRequestConfig, type InternalAxiosRequestConfig } from "axios";

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  token_type: string;
}

let accessToken: string | null = null;
let refreshing: Promise<string | null> | null = null;
const listeners = new Set<(token: string | null) => void>();

export function setAccessToken(token: string | null): void {
  accessToken = token;
  listeners.forEach((listen) => listen(token));
}

export function getAccessToken(): string | null {
  return accessToken;
}

/** Called with the new token after every sign-in, refresh and sign-out. */
export function onTokenChange(listen: (token: string | null) => void): () => void {
  listeners.add(listen);
  return () => listeners.delete(listen);
}

export const api = axios.create({ baseURL: "/api/v1", withCredentials: true });

api.interceptors.request.use((config: InternalAxiosRequestConfig) => {
  if (accessToken && !config.headers.has("authorization")) {
    config.headers.set("authorization", `Bearer ${accessToken}`);
  }
  return config;
});

/**
 * Trades the refresh cookie for a new access token; `null` when the session
 * is over. Shared by every caller while it runs.
 */
export function refreshAccessToken(): Promise<string | null> {
  refreshing ??= axios
    .post<TokenResponse>("/api/v1/auth/refresh", {}, { withCredentials: true })
    .then((response) => {
      setAccessToken(response.data.access_token);
      return response.data.access_token;
    })
    .catch(() => {
      setAccessToken(null);
      return null;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

type Retriable = AxiosRequestConfig & { _retried?: boolean };

api.interceptors.response.use(undefined, async (error: AxiosError) => {
  const original = error.config as Retriable | undefined;
  const isAuthCall = original?.url?.startsWith("/auth/");
  if (error.response?.status !== 401 || !original || original._retried || isAuthCall) {
    throw error;
  }
  original._retried = true;
  const token = await refreshAccessToken();
  if (!token) {
    throw error;
  }
  original.headers = { ...original.headers, authorization: `Bearer ${token}` };
  return api.request(original);
});
