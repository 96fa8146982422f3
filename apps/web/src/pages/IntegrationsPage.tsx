// API keys and webhooks, for workspace admins. Secrets are shown once.
import { type FormEvent, useState } from "react";
import { useParams } from "react-router-dom";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import { keys } from "../api/hooks";
import type { ApiKey, Delivery, Role, Webhook } from "../api/types";
import { Button, Dialog, EmptyState, ErrorMessage, Skeleton, TableHead, TextField } from "../components/ui";
import { formatRelative } from "../lib/format";
import { useAction } from "../lib/useAction";

function Secret({ label, value }: { label: string; value: string }) {
  return (
    <div className="alert alert-success" role="status">
      <p>{label} It is shown only now.</p>
      <input aria-label={label} readOnly value={value} onFocus={(e) => e.target.select()} />
    </div>
  );
}

function ApiKeys({ ws }: { ws: string }) {
  const queries = useQueryClient();
  const apiKeys = useQuery({
    queryKey: keys.apiKeys(ws),
    queryFn: async () => (await api.get<{ items: ApiKey[] }>(`/workspaces/${ws}/api-keys`)).data.items,
  });
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("viewer");
  const [secret, setSecret] = useState<string | null>(null);
  const { busy, error, run: act } = useAction(() => queries.invalidateQueries({ queryKey: keys.apiKeys(ws) }));

  function create(event: FormEvent) {
    event.preventDefault();
    void act(async () => {
      const created = await api.post<ApiKey & { secret: string }>(`/workspaces/${ws}/api-keys`, { name, role });
      setSecret(created.data.secret);
      setName("");
    });
  }

  return (
    <section aria-labelledby="keys-title" className="stack">
      <h2 id="keys-title">API keys</h2>
      <ErrorMessage error={error ?? apiKeys.error} />
      <form className="row wrap" onSubmit={create} aria-label="New API key">
        <TextField label="Name" required value={name} onChange={(e) => setName(e.target.value)} />
        <label className="inline-field">
          Role
          <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option>viewer</option>
            <option>editor</option>
            <option>admin</option>
          </select>
        </label>
        <Button type="submit" variant="primary" busy={busy}>
          Create key
        </Button>
      </form>
      {secret ? <Secret label="The new key." value={secret} /> : null}
      {apiKeys.isLoading ? (
        <Skeleton lines={2} />
      ) : apiKeys.data?.length === 0 ? (
        <EmptyState title="No API keys" />
      ) : (
        <ul className="items list">
          {apiKeys.data?.map((k) => (
            <li key={k.id} className="item">
              <span className="item-name">{k.name}</span>
              <span className="muted">
                {k.role} · {k.prefix}… · {k.revoked_at ? "revoked" : k.last_used_at ? `used ${formatRelative(k.last_used_at)}` : "never used"}
              </span>
              {k.revoked_at ? null : (
                <Button variant="danger" onClick={() => void act(() => api.delete(`/workspaces/${ws}/api-keys/${k.id}`))}>
                  Revoke<span className="visually-hidden"> {k.name}</span>
                </Button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Deliveries({ ws, hook }: { ws: string; hook: Webhook }) {
  const queries = useQueryClient();
  const log = useQuery({
    queryKey: keys.deliveries(ws, hook.id),
    queryFn: async () =>
      (await api.get<{ items: Delivery[] }>(`/workspaces/${ws}/webhooks/${hook.id}/deliveries`)).data.items,
    refetchInterval: 5000,
  });
  const { error, run } = useAction(() => queries.invalidateQueries({ queryKey: keys.deliveries(ws, hook.id) }));
  if (log.isLoading) return <Skeleton lines={3} />;
  return (
    <>
      <ErrorMessage error={error ?? log.error} />
      {log.data?.length === 0 ? (
        <EmptyState title="No deliveries yet" />
      ) : (
        <table className="table">
          <TableHead columns={["Event", "Status", "Attempts", "Response"]} actions />
          <tbody>
            {log.data?.map((d) => (
              <tr key={d.id}>
                <td>
                  <code>{d.event_type}</code>
                </td>
                <td>{d.status}</td>
                <td>{d.attempts}</td>
                <td>{d.response_status ?? d.error ?? "—"}</td>
                <td>
                  <button
                    type="button"
                    className="link-btn"
                    onClick={() => void run(() => api.post(`/workspaces/${ws}/deliveries/${d.id}/redeliver`, {}))}
                  >
                    Redeliver
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Webhooks({ ws }: { ws: string }) {
  const queries = useQueryClient();
  const hooks = useQuery({
    queryKey: keys.webhooks(ws),
    queryFn: async () => (await api.get<{ items: Webhook[] }>(`/workspaces/${ws}/webhooks`)).data.items,
  });
  const [url, setUrl] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const [viewing, setViewing] = useState<Webhook | null>(null);
  const { busy, error, run: act } = useAction(() => queries.invalidateQueries({ queryKey: keys.webhooks(ws) }));

  function create(event: FormEvent) {
    event.preventDefault();
    void act(async () => {
      const created = await api.post<Webhook>(`/workspaces/${ws}/webhooks`, { url });
      setSecret(created.data.secret ?? null);
      setUrl("");
    });
  }

  return (
    <section aria-labelledby="hooks-title" className="stack">
      <h2 id="hooks-title">Webhooks</h2>
      <ErrorMessage error={error ?? hooks.error} />
      <form className="row wrap" onSubmit={create} aria-label="New webhook">
        <TextField label="Receiver URL" type="url" required placeholder="https://example.com/hooks/cabinet" value={url} onChange={(e) => setUrl(e.target.value)} />
        <Button type="submit" variant="primary" busy={busy}>
          Add webhook
        </Button>
      </form>
      {secret ? <Secret label="The signing secret." value={secret} /> : null}
      {hooks.isLoading ? (
        <Skeleton lines={2} />
      ) : hooks.data?.length === 0 ? (
        <EmptyState title="No webhooks" />
      ) : (
        <ul className="items list">
          {hooks.data?.map((h) => (
            <li key={h.id} className="item">
              <span className="item-name">{h.url}</span>
              <span className="muted">
                {h.active ? "on" : `off${h.disabled_reason ? ` (${h.disabled_reason})` : ""}`} · circuit {h.circuit}
              </span>
              <Button onClick={() => setViewing(h)}>Deliveries</Button>
              <Button onClick={() => void act(() => api.post(`/workspaces/${ws}/webhooks/${h.id}/ping`, {}))}>Ping</Button>
              <Button onClick={() => void act(() => api.patch(`/workspaces/${ws}/webhooks/${h.id}`, { active: !h.active }))}>
                {h.active ? "Turn off" : "Turn on"}
              </Button>
              <Button variant="danger" onClick={() => void act(() => api.delete(`/workspaces/${ws}/webhooks/${h.id}`))}>
                Delete
              </Button>
            </li>
          ))}
        </ul>
      )}
      <Dialog open={viewing !== null} title={`Deliveries to ${viewing?.url ?? ""}`} onClose={() => setViewing(null)}>
        {viewing ? <Deliveries ws={ws} hook={viewing} /> : null}
      </Dialog>
    </section>
  );
}

export default function IntegrationsPage() {
  const { ws = "" } = useParams();
  return (
    <div className="stack">
      <h1>API keys &amp; webhooks</h1>
      <ApiKeys ws={ws} />
      <Webhooks ws={ws} />
    </div>
  );
}
