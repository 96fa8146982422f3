// The public page of a share link: no account needed. A password, when the
// link has one, is sent in a header (never in the URL).
import { type FormEvent, useCallback, useEffect, useState } from "react";
import axios from "axios";
import { useParams } from "react-router-dom";
import { problemMessage, toProblem } from "../api/problem";
import type { PublicShare } from "../api/types";
import { Button, ErrorMessage, Skeleton, TextField } from "../components/ui";
import { saveBlob } from "../lib/download";
import { formatBytes, formatDate } from "../lib/format";

export default function SharePage() {
  const { token = "" } = useParams();
  const [share, setShare] = useState<PublicShare | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [needsPassword, setNeedsPassword] = useState(false);
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);

  const open = useCallback(
    async (secret?: string) => {
      setBusy(true);
      try {
        const response = await axios.get<PublicShare>(`/s/${encodeURIComponent(token)}`, {
          headers: { accept: "application/json", ...(secret ? { "x-share-password": secret } : {}) },
        });
        setShare(response.data);
        setNeedsPassword(false);
        setError(null);
      } catch (e) {
        const code = toProblem(e).code;
        if (code === "share_password_required") setNeedsPassword(true);
        else setError(e);
        if (code === "share_password_invalid") setNeedsPassword(true);
      } finally {
        setBusy(false);
      }
    },
    [token],
  );

  useEffect(() => {
    void open();
  }, [open]);

  async function fetchFile() {
    if (!share) return;
    try {
      const response = await axios.get<Blob>(share.download_path, {
        responseType: "blob",
        headers: password ? { "x-share-password": password } : {},
      });
      saveBlob(response.data, share.filename);
      void open(password || undefined);
    } catch (e) {
      // A blob response hides the problem document; read it back.
      const body = isBlob(e) ? await readProblem(e) : e;
      setError(body);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void open(password);
  }

  return (
    <main className="auth-page">
      <div className="card share-card">
        <p className="brand">Cabinet</p>
        {busy && !share && !needsPassword ? <Skeleton lines={3} label="Opening the link" /> : null}
        {error ? <ErrorMessage error={error} /> : null}
        {needsPassword && !share ? (
          <form onSubmit={submit} className="stack">
            <h1>This link is protected</h1>
            <TextField label="Password" type="password" autoFocus required value={password} onChange={(e) => setPassword(e.target.value)} />
            <Button type="submit" variant="primary" busy={busy}>
              Open
            </Button>
          </form>
        ) : null}
        {share ? (
          <>
            <h1>{share.name}</h1>
            <dl className="facts">
              <dt>File</dt>
              <dd>{share.filename}</dd>
              <dt>Size</dt>
              <dd>{formatBytes(share.size)}</dd>
              {share.expires_at ? (
                <>
                  <dt>Available until</dt>
                  <dd>{formatDate(share.expires_at)}</dd>
                </>
              ) : null}
              {share.downloads_left !== null && share.downloads_left !== undefined ? (
                <>
                  <dt>Downloads left</dt>
                  <dd>{share.downloads_left}</dd>
                </>
              ) : null}
            </dl>
            <Button variant="primary" onClick={() => void fetchFile()}>
              Download
            </Button>
          </>
        ) : null}
      </div>
    </main>
  );
}

function isBlob(e: unknown): e is { response: { data: Blob } } {
  return axios.isAxiosError(e) && e.response?.data instanceof Blob;
}

async function readProblem(e: { response: { data: Blob } }): Promise<unknown> {
  try {
    return JSON.parse(await e.response.data.text());
  } catch {
    return new Error(problemMessage(e));
  }
}
