// A document: its preview, versions (download, upload a new one), tags and
// metadata, its history from the audit trail, and share links.
import { type FormEvent, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys, useDocument, useProcessing, useVersions, useWorkspaces } from "../api/hooks";
import type { AuditEvent, Document } from "../api/types";
import { Preview } from "../components/Preview";
import { ShareDialog } from "../components/ShareDialog";
import { Button, ErrorMessage, Skeleton, TableHead, TextField } from "../components/ui";
import { useUploads } from "../components/uploads";
import { download } from "../lib/download";
import { formatBytes, formatDate, formatRelative } from "../lib/format";

const STATUS_TEXT: Record<string, string> = {
  pending: "Reading the file for search…",
  extracted: "Its text is searchable.",
  unsupported: "Found by its name, tags and metadata.",
  too_large: "Too large to read for search; found by name and metadata.",
  malformed: "The file looks damaged; found by name and metadata.",
  refused: "Refused for safety (it would expand too far); found by name and metadata.",
  timed_out: "Reading it took too long; found by name and metadata.",
  failed: "It could not be read; found by name and metadata.",
};

export default function DocumentPage() {
  const { ws = "", doc = "" } = useParams();
  const document = useDocument(ws, doc);
  const role = useWorkspaces().data?.find((w) => w.id === ws)?.role;
  const canWrite = role !== undefined && role !== "viewer";
  if (document.isLoading) return <Skeleton lines={8} label="Loading the document" />;
  if (!document.data) return <ErrorMessage error={document.error} />;
  return <DocumentView ws={ws} doc={document.data.document} etag={document.data.etag} canWrite={canWrite} />;
}

function DocumentView({ ws, doc, etag, canWrite }: { ws: string; doc: Document; etag: string; canWrite: boolean }) {
  const navigate = useNavigate();
  const versions = useVersions(ws, doc.id);
  const current = doc.current_version;
  const processing = useProcessing(ws, doc.id, current.number);
  const { addVersion } = useUploads();
  const fileInput = useRef<HTMLInputElement>(null);
  const [sharing, setSharing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const queries = useQueryClient();

  async function trash() {
    try {
      await api.delete(`/workspaces/${ws}/documents/${doc.id}`);
      await queries.invalidateQueries();
      navigate(`/w/${ws}/f/${doc.folder_id}`);
    } catch (e) {
      setError(e);
    }
  }

  return (
    <article aria-labelledby="doc-title" className="document">
      <p>
        <Link to={`/w/${ws}/f/${doc.folder_id}`}>← Back to the folder</Link>
      </p>
      <div className="toolbar">
        <h1 id="doc-title">{doc.name}</h1>
        <span className="spacer" />
        <Button
          onClick={() =>
            void download(`/workspaces/${ws}/documents/${doc.id}/content`, current.filename).catch(setError)
          }
        >
          Download
        </Button>
        {canWrite ? (
          <>
            <Button onClick={() => fileInput.current?.click()}>Upload new version</Button>
            <input
              ref={fileInput}
              type="file"
              hidden
              data-testid="version-input"
              onChange={(e) => {
                const file = e.target.files?.[0];
                if (file) addVersion(ws, doc.id, file);
                e.target.value = "";
              }}
            />
            <Button onClick={() => setSharing(true)}>Share…</Button>
            <Button variant="danger" onClick={() => void trash()}>
              Move to trash
            </Button>
          </>
        ) : null}
      </div>
      <ErrorMessage error={error} />
      <div className="document-grid">
        <div>
          <Preview
            key={current.number}
            ws={ws}
            document={doc.id}
            version={current.number}
            contentType={current.content_type}
            filename={current.filename}
            name={doc.name}
          />
          <p className="muted" aria-live="polite" data-testid="processing">
            {STATUS_TEXT[processing.data?.text_status ?? "pending"]}
          </p>
        </div>
        <aside className="document-side">
          <dl className="facts">
            <dt>Version</dt>
            <dd>{current.number}</dd>
            <dt>Size</dt>
            <dd>{formatBytes(current.size)}</dd>
            <dt>Type</dt>
            <dd>{current.content_type}</dd>
            <dt>Changed</dt>
            <dd>{formatDate(doc.updated_at)}</dd>
          </dl>
          <Details ws={ws} doc={doc} etag={etag} canWrite={canWrite} />
        </aside>
      </div>
      <section aria-labelledby="versions-title">
        <h2 id="versions-title">Versions</h2>
        {versions.isLoading ? (
          <Skeleton lines={2} />
        ) : (
          <table className="table">
            <TableHead columns={["Version", "File", "Size", "Uploaded"]} actions />
            <tbody>
              {versions.data?.map((v) => (
                <tr key={v.number}>
                  <td>{v.number}</td>
                  <td>{v.filename}</td>
                  <td>{formatBytes(v.size)}</td>
                  <td>{formatRelative(v.created_at)}</td>
                  <td>
                    <button
                      type="button"
                      className="link-btn"
                      onClick={() =>
                        void download(`/workspaces/${ws}/documents/${doc.id}/versions/${v.number}/content`, v.filename).catch(
                          setError,
                        )
                      }
                    >
                      Download<span className="visually-hidden"> version {v.number}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <History ws={ws} doc={doc.id} />
      <ShareDialog open={sharing} ws={ws} doc={doc} onClose={() => setSharing(false)} />
    </article>
  );
}

/** Tags, metadata and description, saved with If-Match so a concurrent edit is not lost. */
function Details({ ws, doc, etag, canWrite }: { ws: string; doc: Document; etag: string; canWrite: boolean }) {
  const [editing, setEditing] = useState(false);
  const [tags, setTags] = useState(doc.tags.join(", "));
  const [description, setDescription] = useState(doc.description);
  const [metadata, setMetadata] = useState(
    Object.entries(doc.metadata)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n"),
  );
  const [error, setError] = useState<unknown>(null);
  const queries = useQueryClient();

  async function save(event: FormEvent) {
    event.preventDefault();
    const fields: Record<string, string> = {};
    for (const line of metadata.split("\n").map((l) => l.trim()).filter(Boolean)) {
      const at = line.indexOf("=");
      if (at > 0) fields[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    try {
      await api.patch(
        `/workspaces/${ws}/documents/${doc.id}`,
        { tags: tags.split(",").map((t) => t.trim()).filter(Boolean), description, metadata: fields },
        { headers: { "if-match": etag } },
      );
      await queries.invalidateQueries({ queryKey: keys.document(ws, doc.id) });
      setEditing(false);
      setError(null);
    } catch (e) {
      setError(e);
    }
  }

  if (!editing) {
    return (
      <section aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        {doc.description ? <p>{doc.description}</p> : null}
        <ul className="tags" aria-label="Tags">
          {doc.tags.length === 0 ? <li className="muted">No tags</li> : doc.tags.map((t) => <li key={t} className="tag">{t}</li>)}
        </ul>
        <dl className="facts">
          {Object.entries(doc.metadata).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        {canWrite ? <Button onClick={() => setEditing(true)}>Edit details</Button> : null}
      </section>
    );
  }
  return (
    <form onSubmit={save} aria-labelledby="details-edit-title">
      <h2 id="details-edit-title">Edit details</h2>
      <ErrorMessage error={error} />
      <TextField label="Tags" hint="Separated by commas" value={tags} onChange={(e) => setTags(e.target.value)} />
      <TextField label="Description" value={description} onChange={(e) => setDescription(e.target.value)} />
      <div className="field">
        <label htmlFor="metadata">Metadata</label>
        <textarea id="metadata" rows={4} value={metadata} onChange={(e) => setMetadata(e.target.value)} aria-describedby="metadata-hint" />
        <p id="metadata-hint" className="field-hint">
          One <code>key=value</code> per line
        </p>
      </div>
      <div className="row">
        <Button type="submit" variant="primary">
          Save
        </Button>
        <Button onClick={() => setEditing(false)}>Cancel</Button>
      </div>
    </form>
  );
}

const EVENT_TEXT: Record<string, string> = {
  "document.created.v1": "Created",
  "document.version_added.v1": "New version uploaded",
  "document.updated.v1": "Details changed",
  "document.trashed.v1": "Moved to the trash",
  "document.restored.v1": "Restored from the trash",
  "document.version_processed.v1": "Read for search",
  "share_link.created.v1": "Share link created",
  "share_link.revoked.v1": "Share link revoked",
  "share_link.downloaded.v1": "Downloaded through a share link",
};

function History({ ws, doc }: { ws: string; doc: string }) {
  const history = useQuery({
    queryKey: keys.history(ws, doc),
    queryFn: async () => (await api.get<{ items: AuditEvent[] }>(`/workspaces/${ws}/documents/${doc}/history`)).data.items,
  });
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      {history.isLoading ? (
        <Skeleton lines={3} />
      ) : (
        <ol className="history">
          {history.data?.map((e) => (
            <li key={e.id}>
              <span>{EVENT_TEXT[e.type] ?? e.type}</span>{" "}
              <span className="muted">
                {e.actor.kind === "user" ? "by a member" : `by ${e.actor.kind.replace("_", " ")}`} · {formatRelative(e.occurred_at)}
              </span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
