import { act, renderHook } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { useAction } from "./useAction";

describe("useAction", () => {
  it("is busy while the action runs, keeps its error, and clears it on the next run", async () => {
    let settled = 0;
    const { result } = renderHook(() => useAction(async () => void (settled += 1)));
    let finish: () => void = () => {};
    let running: Promise<boolean> = Promise.resolve(false);
    act(() => {
      running = result.current.run(() => new Promise<void>((resolve) => (finish = resolve)));
    });
    expect(result.current.busy).toBe(true);
    await act(async () => {
      finish();
      expect(await running).toBe(true);
    });
    expect(result.current.busy).toBe(false);
    expect(settled).toBe(1);

    const failure = new Error("refused");
    await act(async () => {
      expect(await result.current.run(() => Promise.reject(failure))).toBe(false);
    });
    expect(result.current.error).toBe(failure);
    expect(settled).toBe(2);

    await act(async () => {
      expect(await result.current.run(() => Promise.resolve())).toBe(true);
    });
    expect(result.current.error).toBeNull();
    expect(settled).toBe(3);
  });
});
