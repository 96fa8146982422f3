// Uploads: a queue that survives navigation (it lives above the router's
// pages), three at a time, each with progress, cancel and retry. A retry
// reuses the upload's idempotency key, so a request that did reach the
// server never makes a second document.
import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";
import { api } from "../api/client";
import { useInvalidate } from "../api/hooks";
import { problemMessage } from "../api/problem";
import type { Folder } from "../api/types";
import { formatBytes } from "../lib/format";

export type UploadStatus = "queued" | "uploading" | "done" | "failed" | "canceled";

export interface Upload {
  id: string;
  name: string;
  size: number;
  workspace: string;
  /** Where a new document goes… */
  folder?: string;
  /** …or the document that gets a new version. */
  document?: string;
  loaded: number;
  status: UploadStatus;
  error?: string;
}

interface Item extends Upload {
  file: Blob;
  key: string;
  controller?: AbortController;
}

interface Uploads {
  uploads: Upload[];
  /** Queues files (with their relative paths, for dropped folders) into a folder. */
  addFiles: (workspace: string, folder: string, files: { file: File; path: string }[]) => Promise<void>;
  addVersion: (workspace: string, document: string, file: File) => void;
  cancel: (id: string) => void;
  retry: (id: string) => void;
  clearFinished: () => void;
}

const UploadContext = createContext<Uploads | null>(null);
const PARALLEL = 3;

function newId(): string {
  return crypto.randomUUID();
}

export function UploadProvider({ children }: { children: ReactNode }) {
  const [items, setItems] = useState<Item[]>([]);
  const itemsRef = useRef<Item[]>([]);
  const invalidate = useInvalidate();

  const update = useCallback((id: string, change: Partial<Item>) => {
    itemsRef.current = itemsRef.current.map((u) => (u.id === id ? { ...u, ...change } : u));
    setItems(itemsRef.current);
  }, []);

  const pump = useCallback(() => {
    const running = itemsRef.current.filter((u) => u.status === "uploading").length;
    const next = itemsRef.current.filter((u) => u.status === "queued").slice(0, Math.max(0, PARALLEL - running));
    for (const item of next) {
      const controller = new AbortController();
      update(item.id, { status: "uploading", loaded: 0, controller, error: undefined });
      const url = item.document
        ? `/workspaces/${item.workspace}/documents/${item.document}/versions`
        : `/workspaces/${item.workspace}/folders/${item.folder}/documents`;
      const params = item.document ? { filename: item.name } : { name: item.name };
      api
        .post(url, item.file, {
          params,
          signal: controller.signal,
          headers: { "content-type": "application/octet-stream", "idempotency-key": item.key },
          onUploadProgress: (e) => update(item.id, { loaded: e.loaded }),
        })
        .then(() => {
          update(item.id, { status: "done", loaded: item.size });
          void invalidate(item.workspace);
        })
        .catch((error) => {
          const canceled = controller.signal.aborted;
          update(item.id, { status: canceled ? "canceled" : "failed", error: canceled ? undefined : problemMessage(error) });
        })
        .finally(pump);
    }
  }, [invalidate, update]);

  const enqueue = useCallback(
    (added: Item[]) => {
      itemsRef.current = [...itemsRef.current, ...added];
      setItems(itemsRef.current);
      pump();
    },
    [pump],
  );

  const addFiles = useCallback(
    async (workspace: string, folder: string, files: { file: File; path: string }[]) => {
      // Folders inside a dropped folder are created first, once each.
      const made = new Map<string, string>([["", folder]]);
      const folderFor = async (dir: string): Promise<string> => {
        const known = made.get(dir);
        if (known) return known;
        const cut = dir.lastIndexOf("/");
        const parent = await folderFor(cut < 0 ? "" : dir.slice(0, cut));
        const name = dir.slice(cut + 1);
        const created = await api.post<Folder>(`/workspaces/${workspace}/folders`, { name, parent_id: parent });
        made.set(dir, created.data.id);
        return created.data.id;
      };
      const added: Item[] = [];
      for (const { file, path } of files) {
        const cut = path.lastIndexOf("/");
        const target = await folderFor(cut < 0 ? "" : path.slice(0, cut));
        added.push({
          id: newId(),
          key: newId(),
          name: file.name,
          size: file.size,
          workspace,
          folder: target,
          loaded: 0,
          status: "queued",
          file,
        });
      }
      enqueue(added);
      void invalidate(workspace);
    },
    [enqueue, invalidate],
  );

  const addVersion = useCallback(
    (workspace: string, document: string, file: File) =>
      enqueue([
        { id: newId(), key: newId(), name: file.name, size: file.size, workspace, document, loaded: 0, status: "queued", file },
      ]),
    [enqueue],
  );

  const cancel = useCallback(
    (id: string) => {
      const item = itemsRef.current.find((u) => u.id === id);
      if (item?.status === "uploading") item.controller?.abort();
      else if (item?.status === "queued") update(id, { status: "canceled" });
    },
    [update],
  );

  const retry = useCallback(
    (id: string) => {
      update(id, { status: "queued", loaded: 0, error: undefined });
      pump();
    },
    [pump, update],
  );

  const clearFinished = useCallback(() => {
    itemsRef.current = itemsRef.current.filter((u) => u.status === "queued" || u.status === "uploading");
    setItems(itemsRef.current);
  }, []);

  const value = useMemo(
    () => ({
      uploads: items.map(({ file: _file, key: _key, controller: _c, ...u }) => u),
      addFiles,
      addVersion,
      cancel,
      retry,
      clearFinished,
    }),
    [items, addFiles, addVersion, cancel, retry, clearFinished],
  );
  return <UploadContext.Provider value={value}>{children}</UploadContext.Provider>;
}

export function useUploads(): Uploads {
  const uploads = useContext(UploadContext);
  if (!uploads) throw new Error("useUploads outside UploadProvider");
  return uploads;
}

/** The panel in the corner listing uploads with their progress. */
export function UploadPanel() {
  const { uploads, cancel, retry, clearFinished } = useUploads();
  const [collapsed, setCollapsed] = useState(false);
  if (uploads.length === 0) return null;
  const active = uploads.filter((u) => u.status === "uploading" || u.status === "queued").length;
  const failed = uploads.filter((u) => u.status === "failed").length;
  const plural = (n: number) => `${n} file${n === 1 ? "" : "s"}`;
  const summary =
    active > 0
      ? `Uploading ${plural(active)}`
      : failed > 0
        ? `${plural(failed)} could not be uploaded`
        : "Uploads finished";
  return (
    <section className="upload-panel" aria-label="Uploads">
      <header>
        <strong>{summary}</strong>
        <span className="spacer" />
        {active === 0 ? (
          <button type="button" className="link-btn" onClick={clearFinished}>
            Clear
          </button>
        ) : null}
        <button
          type="button"
          className="icon-btn"
          aria-expanded={!collapsed}
          aria-label={collapsed ? "Show uploads" : "Hide uploads"}
          onClick={() => setCollapsed(!collapsed)}
        >
          {collapsed ? "▴" : "▾"}
        </button>
      </header>
      {collapsed ? null : (
        <ul>
          {uploads.map((u) => {
            const percent = u.size > 0 ? Math.min(100, Math.round((u.loaded / u.size) * 100)) : 100;
            return (
              <li key={u.id} className={`upload upload-${u.status}`}>
                <div className="upload-row">
                  <span className="upload-name" title={u.name}>
                    {u.name}
                  </span>
                  <span className="muted">
                    {u.status === "uploading" ? `${percent}%` : u.status === "done" ? formatBytes(u.size) : u.status}
                  </span>
                  {u.status === "uploading" || u.status === "queued" ? (
                    <button type="button" className="link-btn" onClick={() => cancel(u.id)} aria-label={`Cancel ${u.name}`}>
                      Cancel
                    </button>
                  ) : null}
                  {u.status === "failed" || u.status === "canceled" ? (
                    <button type="button" className="link-btn" onClick={() => retry(u.id)} aria-label={`Retry ${u.name}`}>
                      Retry
                    </button>
                  ) : null}
                </div>
                <progress max={100} value={percent} aria-label={`${u.name} progress`} />
                {u.error ? <p className="field-error">{u.error}</p> : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
