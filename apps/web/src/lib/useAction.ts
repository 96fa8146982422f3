import { useState } from "react";

/**
 * Runs what a user asked for and keeps its state for the page: whether it is
 * running, and the error it ended with, if any (cleared when the next one
 * starts). `settle` runs after every action, failed or not, to refresh what it
 * may have changed. `run` resolves to whether the action succeeded.
 */
export function useAction(settle?: () => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<unknown>): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await action();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
      if (settle) await settle();
    }
  }

  return { busy, error, setError, run };
}
