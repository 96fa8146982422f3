// Members and their roles; admins invite, change roles and remove.
import { type FormEvent, useState } from "react";
import { useParams } from "react-router-dom";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys, useMembers, useWorkspaces } from "../api/hooks";
import type { Role } from "../api/types";
import { Button, ErrorMessage, Skeleton, TableHead, TextField } from "../components/ui";
import { useAction } from "../lib/useAction";

const ROLES: Role[] = ["owner", "admin", "editor", "viewer"];

export default function MembersPage() {
  const { ws = "" } = useParams();
  const members = useMembers(ws);
  const role = useWorkspaces().data?.find((w) => w.id === ws)?.role;
  const admin = role === "owner" || role === "admin";
  const queries = useQueryClient();
  const [email, setEmail] = useState("");
  const [newRole, setNewRole] = useState<Role>("viewer");
  const { busy, error, run: act } = useAction(() => queries.invalidateQueries({ queryKey: keys.members(ws) }));

  function invite(event: FormEvent) {
    event.preventDefault();
    void act(async () => {
      await api.post(`/workspaces/${ws}/members`, { email, role: newRole });
      setEmail("");
    });
  }

  return (
    <section aria-labelledby="members-title" className="stack">
      <h1 id="members-title">Members</h1>
      <ErrorMessage error={error ?? members.error} />
      {admin ? (
        <form onSubmit={invite} className="row wrap" aria-label="Add a member">
          <TextField label="Email of an existing account" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          <label className="inline-field">
            Role
            <select value={newRole} onChange={(e) => setNewRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <Button type="submit" variant="primary" busy={busy}>
            Add member
          </Button>
        </form>
      ) : null}
      {members.isLoading ? (
        <Skeleton lines={3} />
      ) : (
        <table className="table">
          <TableHead columns={["Name", "Email", "Role"]} actions={admin} />
          <tbody>
            {members.data?.map((m) => (
              <tr key={m.user_id}>
                <td>{m.display_name}</td>
                <td>{m.email}</td>
                <td>
                  {admin ? (
                    <select
                      aria-label={`Role of ${m.display_name}`}
                      value={m.role}
                      onChange={(e) => void act(() => api.patch(`/workspaces/${ws}/members/${m.user_id}`, { role: e.target.value }))}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                {admin ? (
                  <td>
                    <Button variant="danger" onClick={() => void act(() => api.delete(`/workspaces/${ws}/members/${m.user_id}`))}>
                      Remove<span className="visually-hidden"> {m.display_name}</span>
                    </Button>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
