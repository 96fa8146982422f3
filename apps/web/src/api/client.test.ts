import axios, { type AxiosAdapter, type InternalAxiosRequestConfig } from "axios";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { api, getAccessToken, setAccessToken } from "./client";

/** An adapter answering like the API: 401 unless the token is `fresh`. */
function server(calls: string[], refreshWorks = true): AxiosAdapter {
  return async (config: InternalAxiosRequestConfig) => {
    const url = `${config.method?.toUpperCase()} ${config.url}`;
    calls.push(url);
    const respond = (status: number, data: unknown) => {
      const response = { status, statusText: "", headers: {}, config, data };
      if (status >= 400) {
        throw new axios.AxiosError("failed", "ERR_BAD_REQUEST", config, null, response);
      }
      return response;
    };
    if (config.url?.endsWith("/auth/refresh")) {
      await new Promise((r) => setTimeout(r, 5));
      return refreshWorks
        ? respond(200, { access_token: "fresh", refresh_token: "r", expires_in: 600, token_type: "Bearer" })
        : respond(401, { status: 401, code: "invalid_refresh_token", title: "Unauthorized" });
    }
    const auth = String(config.headers.get("authorization") ?? "");
    return auth === "Bearer fresh" ? respond(200, { ok: url }) : respond(401, { status: 401, code: "invalid_token", title: "Unauthorized" });
  };
}

describe("the API client", () => {
  const original = { api: api.defaults.adapter, axios: axios.defaults.adapter };
  let calls: string[];

  beforeEach(() => {
    calls = [];
    setAccessToken("expired");
  });
  afterEach(() => {
    api.defaults.adapter = original.api;
    axios.defaults.adapter = original.axios;
  });

  it("refreshes an expired token once for requests that fail together, and retries each once", async () => {
    api.defaults.adapter = server(calls);
    axios.defaults.adapter = server(calls);
    const [a, b] = await Promise.all([api.get("/me"), api.get("/workspaces")]);
    expect(a.data).toEqual({ ok: "GET /me" });
    expect(b.data).toEqual({ ok: "GET /workspaces" });
    expect(calls.filter((c) => c.endsWith("/auth/refresh"))).toHaveLength(1);
    expect(calls.filter((c) => c === "GET /me")).toHaveLength(2);
    expect(getAccessToken()).toBe("fresh");
  });

  it("gives up, signed out, when the refresh fails", async () => {
    api.defaults.adapter = server(calls, false);
    axios.defaults.adapter = server(calls, false);
    await expect(api.get("/me")).rejects.toMatchObject({ response: { status: 401 } });
    expect(calls).toEqual(["GET /me", "POST /api/v1/auth/refresh"]);
    expect(getAccessToken()).toBeNull();
  });
});
