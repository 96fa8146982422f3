// Files or whole folders dropped anywhere on a workspace page are uploaded
// into the folder on screen (the root folder elsewhere).
import { type DragEvent, type ReactNode, useState } from "react";
import { useParams } from "react-router-dom";
import { useWorkspaces } from "../api/hooks";
import { useUploads } from "./uploads";

interface Dropped {
  file: File;
  path: string;
}

/** Reads every file below a dropped entry, with its path relative to the drop. */
async function walk(entry: FileSystemEntry, prefix: string, out: Dropped[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ file, path: `${prefix}${file.name}` });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries returns at most 100 entries a call: read until it is empty.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (batch.length === 0) break;
    for (const child of batch) {
      await walk(child, `${prefix}${entry.name}/`, out);
    }
  }
}

export async function droppedFiles(transfer: DataTransfer): Promise<Dropped[]> {
  const entries = Array.from(transfer.items)
    .map((item) => (item.kind === "file" ? item.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) {
    return Array.from(transfer.files).map((file) => ({ file, path: file.name }));
  }
  const out: Dropped[] = [];
  for (const entry of entries) {
    await walk(entry, "", out);
  }
  return out;
}

export function DropZone({ children }: { children: ReactNode }) {
  const { ws, folder } = useParams();
  const workspaces = useWorkspaces();
  const { addFiles } = useUploads();
  const [over, setOver] = useState(false);
  const workspace = workspaces.data?.find((w) => w.id === ws);
  const target = folder ?? workspace?.root_folder_id;
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes("Files");

  // Viewers cannot upload: a drop would only start uploads bound to fail.
  if (!ws || !target || !workspace || workspace.role === "viewer") return <>{children}</>;
  return (
    <div
      className={`dropzone ${over ? "dropzone-over" : ""}`}
      onDragOver={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setOver(false);
      }}
      onDrop={(e) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        setOver(false);
        void droppedFiles(e.dataTransfer).then((files) => addFiles(ws, target, files));
      }}
    >
      {over ? (
        <div className="drop-hint" aria-live="polite">
          Drop to upload here
        </div>
      ) : null}
      {children}
    </div>
  );
}
