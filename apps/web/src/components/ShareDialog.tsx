// Share links of a document: create one (expiry, password, download limit),
// copy it, revoke it. The token is shown only when the link is created.
import { type FormEvent, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys, useShares } from "../api/hooks";
import type { Document, ShareLink } from "../api/types";
import { formatDate } from "../lib/format";
import { Button, Dialog, ErrorMessage, Skeleton, TextField } from "./ui";

export function shareUrl(path: string): string {
  return new URL(path, window.location.origin).toString();
}

export function ShareDialog({ open, ws, doc, onClose }: { open: boolean; ws: string; doc: Document; onClose: () => void }) {
  const links = useShares(ws, open ? doc.id : "");
  const queries = useQueryClient();
  const [expires, setExpires] = useState("");
  const [password, setPassword] = useState("");
  const [limit, setLimit] = useState("");
  const [created, setCreated] = useState<ShareLink | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const body = {
        expires_at: expires ? new Date(expires).toISOString() : null,
        password: password || null,
        max_downloads: limit ? Number(limit) : null,
      };
      const response = await api.post<ShareLink>(`/workspaces/${ws}/documents/${doc.id}/shares`, body);
      setCreated(response.data);
      setCopied(false);
      setPassword("");
      await queries.invalidateQueries({ queryKey: keys.shares(ws, doc.id) });
    } catch (e) {
      setError(e);
    }
  }

  async function revoke(link: ShareLink) {
    try {
      await api.delete(`/workspaces/${ws}/shares/${link.id}`);
      await queries.invalidateQueries({ queryKey: keys.shares(ws, doc.id) });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Dialog open={open} title={`Share “${doc.name}”`} onClose={onClose}>
      <form onSubmit={create} className="stack">
        <ErrorMessage error={error} />
        <TextField label="Expires" type="datetime-local" value={expires} onChange={(e) => setExpires(e.target.value)} hint="Leave empty for no expiry" />
        <TextField label="Password" type="password" autoComplete="new-password" minLength={8} value={password} onChange={(e) => setPassword(e.target.value)} hint="Optional, 8 characters or more" />
        <TextField label="Download limit" type="number" min={1} value={limit} onChange={(e) => setLimit(e.target.value)} hint="Optional" />
        <Button type="submit" variant="primary">
          Create link
        </Button>
      </form>
      {created?.path ? (
        <div className="alert alert-success" role="status">
          <p>Anyone with this link can open the document. It is shown only now:</p>
          <div className="row">
            <input aria-label="Share link" readOnly value={shareUrl(created.path)} onFocus={(e) => e.target.select()} />
            <Button
              onClick={() =>
                void navigator.clipboard?.writeText(shareUrl(created.path ?? "")).then(() => setCopied(true))
              }
            >
              {copied ? "Copied" : "Copy link"}
            </Button>
          </div>
        </div>
      ) : null}
      <h3>Links</h3>
      {links.isLoading ? (
        <Skeleton lines={2} />
      ) : links.data?.length ? (
        <ul className="share-list">
          {links.data.map((link) => (
            <li key={link.id}>
              <span className={`badge badge-${link.state}`}>{link.state}</span>{" "}
              <span className="muted">
                {link.password_protected ? "password · " : ""}
                {link.max_downloads ? `${link.downloads}/${link.max_downloads} downloads · ` : `${link.downloads} downloads · `}
                {link.expires_at ? `until ${formatDate(link.expires_at)}` : "no expiry"}
              </span>
              {link.state === "active" ? (
                <button type="button" className="link-btn danger" onClick={() => void revoke(link)}>
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">No links yet.</p>
      )}
    </Dialog>
  );
}
