// The signed-in person's sessions (with revoke) and password.
import { type FormEvent, useState } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys, useSessions } from "../api/hooks";
import { useAuth } from "../auth/AuthProvider";
import { Button, ErrorMessage, Skeleton, TextField } from "../components/ui";
import { formatRelative } from "../lib/format";

export default function AccountPage() {
  const { user } = useAuth();
  const sessions = useSessions();
  const queries = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [saved, setSaved] = useState(false);

  async function revoke(id: string) {
    try {
      await api.delete(`/me/sessions/${id}`);
      await queries.invalidateQueries({ queryKey: keys.sessions });
    } catch (e) {
      setError(e);
    }
  }

  async function change(event: FormEvent) {
    event.preventDefault();
    setSaved(false);
    setError(null);
    try {
      await api.put("/me/password", { current_password: current, new_password: next });
      setCurrent("");
      setNext("");
      setSaved(true);
      await queries.invalidateQueries({ queryKey: keys.sessions });
    } catch (e) {
      setError(e);
    }
  }

  return (
    <section aria-labelledby="account-title" className="stack">
      <h1 id="account-title">Your account</h1>
      <p>
        {user?.display_name} · {user?.email}
      </p>
      <ErrorMessage error={error} />
      <h2>Sessions</h2>
      {sessions.isLoading ? (
        <Skeleton lines={2} />
      ) : (
        <ul className="items list" aria-label="Sessions">
          {sessions.data?.map((s) => (
            <li key={s.id} className="item">
              <span className="item-name">{s.user_agent ?? "Unknown device"}</span>
              <span className="muted">
                {s.ip ?? ""} · last used {formatRelative(s.last_used_at)}
              </span>
              {s.current ? (
                <span className="badge">This device</span>
              ) : (
                <Button onClick={() => void revoke(s.id)}>Sign out</Button>
              )}
            </li>
          ))}
        </ul>
      )}
      <h2>Change password</h2>
      <form onSubmit={change} className="stack narrow">
        <TextField label="Current password" type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} />
        <TextField label="New password" type="password" autoComplete="new-password" minLength={8} required value={next} onChange={(e) => setNext(e.target.value)} />
        <Button type="submit" variant="primary">
          Change password
        </Button>
        {saved ? (
          <p role="status" className="alert alert-success">
            Password changed. Your other sessions were signed out.
          </p>
        ) : null}
      </form>
    </section>
  );
}
