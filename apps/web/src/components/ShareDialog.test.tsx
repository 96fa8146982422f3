import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { InternalAxiosRequestConfig } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../api/client";
import type { Document, ShareLink } from "../api/types";
import { ShareDialog } from "./ShareDialog";

const doc = { id: "doc-1", name: "Plan.pdf" } as Document;

function link(overrides: Partial<ShareLink>): ShareLink {
  return {
    id: "l1",
    document_id: "doc-1",
    created_at: "2026-11-26T10:00:00Z",
    downloads: 0,
    password_protected: false,
    state: "active",
    ...overrides,
  } as ShareLink;
}

describe("the share dialog", () => {
  const original = api.defaults.adapter;
  afterEach(() => {
    api.defaults.adapter = original;
  });

  it("asks for no links while it is closed", async () => {
    const requests: string[] = [];
    api.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
      requests.push(config.url ?? "");
      return { status: 200, statusText: "", headers: {}, config, data: { items: [] } };
    };
    const { rerender } = render(
      <QueryClientProvider client={new QueryClient()}>
        <ShareDialog open={false} ws="ws-1" doc={doc} onClose={() => undefined} />
      </QueryClientProvider>,
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(requests).toEqual([]);
    rerender(
      <QueryClientProvider client={new QueryClient()}>
        <ShareDialog open ws="ws-1" doc={doc} onClose={() => undefined} />
      </QueryClientProvider>,
    );
    await screen.findByText(/no links/i).catch(() => undefined);
    expect(requests.every((url) => !url.includes("//"))).toBe(true);
    expect(requests).toContain("/workspaces/ws-1/documents/doc-1/shares");
  });

  it("creates a link with a password and a limit, shows it once, and revokes links", async () => {
    const links: ShareLink[] = [];
    const requests: { method?: string; url?: string; data?: unknown }[] = [];
    api.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
      requests.push({ method: config.method, url: config.url, data: config.data ? JSON.parse(config.data) : undefined });
      const respond = (data: unknown, status = 200) => ({ status, statusText: "", headers: {}, config, data });
      if (config.method === "post") {
        const created = link({ id: "l2", password_protected: true, max_downloads: 3, path: "/s/tok123", token: "tok123" });
        links.push({ ...created, path: null, token: null });
        return respond(created, 201);
      }
      if (config.method === "delete") {
        links.splice(0, links.length, ...links.map((l) => ({ ...l, state: "revoked" })));
        return respond(null, 204);
      }
      return respond({ items: links.map((l) => ({ ...l })) });
    };
    render(
      <QueryClientProvider client={new QueryClient()}>
        <ShareDialog open ws="ws-1" doc={doc} onClose={() => undefined} />
      </QueryClientProvider>,
    );
    expect(await screen.findByText("No links yet.")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Password"), "open sesame");
    await userEvent.type(screen.getByLabelText("Download limit"), "3");
    await userEvent.click(screen.getByRole("button", { name: "Create link" }));

    const shown = await screen.findByLabelText("Share link");
    expect(shown).toHaveValue(`${window.location.origin}/s/tok123`);
    const post = requests.find((r) => r.method === "post");
    expect(post?.data).toEqual({ expires_at: null, password: "open sesame", max_downloads: 3 });
    expect(await screen.findByText(/password · 0\/3 downloads/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole("button", { name: "Revoke" }));
    expect(await screen.findByText("revoked")).toBeInTheDocument();
    expect(requests.some((r) => r.method === "delete" && r.url === "/workspaces/ws-1/shares/l2")).toBe(true);
  });
});
