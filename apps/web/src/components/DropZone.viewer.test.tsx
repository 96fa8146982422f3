import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { InternalAxiosRequestConfig } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router-dom";
import { api } from "../api/client";
import { DropZone } from "./DropZone";
import { UploadProvider } from "./uploads";

function renderAs(role: string, requests: string[]) {
  api.defaults.adapter = async (config: InternalAxiosRequestConfig) => {
    requests.push(`${config.method} ${config.url}`);
    const data = config.url === "/workspaces" ? { items: [{ id: "ws-1", name: "W", role, root_folder_id: "root-1" }] } : {};
    return { status: 200, statusText: "", headers: {}, config, data };
  };
  render(
    <QueryClientProvider client={new QueryClient()}>
      <UploadProvider>
        <MemoryRouter initialEntries={["/w/ws-1"]}>
          <Routes>
            <Route path="/w/:ws" element={<DropZone><p>page</p></DropZone>} />
          </Routes>
        </MemoryRouter>
      </UploadProvider>
    </QueryClientProvider>,
  );
}

function drop(target: HTMLElement) {
  const file = new File(["x"], "a.txt");
  const dataTransfer = { types: ["Files"], items: [], files: [file] };
  fireEvent.dragOver(target, { dataTransfer });
  fireEvent.drop(target, { dataTransfer });
}

describe("dropping files", () => {
  const original = api.defaults.adapter;
  afterEach(() => {
    api.defaults.adapter = original;
  });

  it("starts no upload for a viewer", async () => {
    const requests: string[] = [];
    renderAs("viewer", requests);
    const page = await screen.findByText("page");
    await waitFor(() => expect(requests).toContain("get /workspaces"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(document.querySelector(".dropzone")).toBeNull();
    drop(page);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requests.filter((r) => r.startsWith("post"))).toEqual([]);
  });

  it("uploads for an editor", async () => {
    const requests: string[] = [];
    renderAs("editor", requests);
    await waitFor(() => expect(document.querySelector(".dropzone")).not.toBeNull());
    drop(screen.getByText("page"));
    await waitFor(() => expect(requests.some((r) => r.startsWith("post /workspaces/ws-1/folders/root-1/documents"))).toBe(true));
  });
});
