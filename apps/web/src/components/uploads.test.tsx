import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { act, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import axios, { type AxiosResponse, type InternalAxiosRequestConfig } from "axios";
import { afterEach, describe, expect, it } from "vitest";
import { api } from "../api/client";
import { UploadPanel, UploadProvider, useUploads } from "./uploads";

interface Pending {
  config: InternalAxiosRequestConfig;
  finish: (status: number) => void;
}

/** Holds every upload until the test finishes it; reports progress on demand. */
function holdingAdapter(pending: Pending[]) {
  return (config: InternalAxiosRequestConfig) =>
    new Promise<AxiosResponse>((resolve, reject) => {
      config.signal?.addEventListener?.("abort", () => reject(new axios.CanceledError("aborted", undefined, config)));
      pending.push({
        config,
        finish: (status) => {
          const response = { status, statusText: "", headers: {}, config, data: status < 400 ? { id: "d" } : { status, code: "quota_exceeded", title: "Quota exceeded" } };
          if (status < 400) resolve(response);
          else reject(new axios.AxiosError("failed", "ERR_BAD_REQUEST", config, null, response));
        },
      });
    });
}

function Starter() {
  const { addFiles } = useUploads();
  return (
    <button
      type="button"
      onClick={() =>
        void addFiles("ws", "root", [
          { file: new File(["a".repeat(1000)], "report.pdf"), path: "report.pdf" },
          { file: new File(["b".repeat(10)], "notes.txt"), path: "notes.txt" },
        ])
      }
    >
      start
    </button>
  );
}

function setup() {
  const queries = new QueryClient();
  render(
    <QueryClientProvider client={queries}>
      <UploadProvider>
        <Starter />
        <UploadPanel />
      </UploadProvider>
    </QueryClientProvider>,
  );
}

describe("the upload panel", () => {
  const original = api.defaults.adapter;
  afterEach(() => {
    api.defaults.adapter = original;
  });

  it("shows each file's progress, and cancels and retries one", async () => {
    const pending: Pending[] = [];
    api.defaults.adapter = holdingAdapter(pending);
    setup();
    await userEvent.click(screen.getByText("start"));
    const panel = await screen.findByRole("region", { name: "Uploads" });
    expect(within(panel).getByText("Uploading 2 files")).toBeInTheDocument();
    expect(pending).toHaveLength(2);
    // Each upload carries an idempotency key, kept across a retry.
    const key = pending[0]?.config.headers.get("idempotency-key");
    expect(key).toMatch(/^[0-9a-f-]{36}$/);

    act(() => pending[0]?.config.onUploadProgress?.({ loaded: 500, total: 1000, bytes: 500, lengthComputable: true }));
    expect(within(panel).getByLabelText("report.pdf progress")).toHaveValue(50);
    expect(within(panel).getByText("50%")).toBeInTheDocument();

    await userEvent.click(within(panel).getByRole("button", { name: "Cancel notes.txt" }));
    expect(await within(panel).findByRole("button", { name: "Retry notes.txt" })).toBeInTheDocument();
    await act(async () => pending[0]?.finish(201));

    await userEvent.click(within(panel).getByRole("button", { name: "Retry notes.txt" }));
    expect(pending).toHaveLength(3);
    expect(pending[2]?.config.headers.get("idempotency-key")).toBe(pending[1]?.config.headers.get("idempotency-key"));
    await act(async () => pending[2]?.finish(201));
    expect(await within(panel).findByText("Uploads finished")).toBeInTheDocument();
  });

  it("says why an upload failed", async () => {
    const pending: Pending[] = [];
    api.defaults.adapter = holdingAdapter(pending);
    setup();
    await userEvent.click(screen.getByText("start"));
    await act(async () => pending[0]?.finish(413));
    expect(await screen.findByText("The workspace is full: its storage quota would be exceeded.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry report.pdf" })).toBeInTheDocument();
    await act(async () => pending[1]?.finish(201));
    const panel = screen.getByRole("region", { name: "Uploads" });
    expect(await within(panel).findByText("1 file could not be uploaded")).toBeInTheDocument();
    expect(within(panel).queryByText("Uploads finished")).not.toBeInTheDocument();
  });
});
