import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { keys, useInvalidate } from "./hooks";

describe("refreshing after a change", () => {
  it("refreshes a document's history with its versions, in that workspace only", async () => {
    const client = new QueryClient();
    client.setQueryData(keys.history("ws-1", "doc-1"), []);
    client.setQueryData(keys.versions("ws-1", "doc-1"), []);
    client.setQueryData(keys.history("ws-2", "doc-9"), []);
    const wrapper = ({ children }: { children: ReactNode }) => (
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    );
    const { result } = renderHook(() => useInvalidate(), { wrapper });
    await result.current("ws-1");
    const stale = (key: readonly unknown[]) => client.getQueryState(key)?.isInvalidated;
    expect(stale(keys.history("ws-1", "doc-1"))).toBe(true);
    expect(stale(keys.versions("ws-1", "doc-1"))).toBe(true);
    expect(stale(keys.history("ws-2", "doc-9"))).toBe(false);
  });
});
