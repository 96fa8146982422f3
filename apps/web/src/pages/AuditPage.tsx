// The audit trail for admins: filters, pages, and export (CSV or NDJSON).
import { type FormEvent, useState } from "react";
import { useParams } from "react-router-dom";
import { useQuery } from "@tanstack/react-query";
import { api } from "../api/client";
import type { AuditEvent } from "../api/types";
import { Button, EmptyState, ErrorMessage, Skeleton, TableHead } from "../components/ui";
import { download } from "../lib/download";
import { formatDate } from "../lib/format";

export default function AuditPage() {
  const { ws = "" } = useParams();
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [draft, setDraft] = useState({ type: "", from: "", to: "" });
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const events = useQuery({
    queryKey: ["audit", ws, filters, cursor],
    queryFn: async () =>
      (
        await api.get<{ items: AuditEvent[]; next_cursor?: string | null }>(`/workspaces/${ws}/audit/events`, {
          params: { ...filters, ...(cursor ? { cursor } : {}), limit: 50 },
        })
      ).data,
  });

  function apply(event: FormEvent) {
    event.preventDefault();
    const next: Record<string, string> = {};
    if (draft.type) next.type = draft.type;
    if (draft.from) next.from = new Date(draft.from).toISOString();
    if (draft.to) next.to = new Date(draft.to).toISOString();
    setCursor(null);
    setFilters(next);
  }

  const exportAs = (format: "csv" | "ndjson") =>
    download(
      `/workspaces/${ws}/audit/export?${new URLSearchParams({ ...filters, format }).toString()}`,
      `audit.${format === "csv" ? "csv" : "ndjson"}`,
    ).catch(setError);

  return (
    <section aria-labelledby="audit-title" className="stack">
      <h1 id="audit-title">Audit log</h1>
      <form className="filters" onSubmit={apply}>
        <label>
          Event type
          <input value={draft.type} onChange={(e) => setDraft({ ...draft, type: e.target.value })} placeholder="document.created.v1" />
        </label>
        <label>
          From
          <input type="date" value={draft.from} onChange={(e) => setDraft({ ...draft, from: e.target.value })} />
        </label>
        <label>
          To
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <Button type="submit" variant="primary">
          Filter
        </Button>
        <Button onClick={() => void exportAs("csv")}>Export CSV</Button>
        <Button onClick={() => void exportAs("ndjson")}>Export NDJSON</Button>
      </form>
      <ErrorMessage error={error ?? events.error} />
      {events.isLoading ? (
        <Skeleton lines={6} label="Loading events" />
      ) : events.data?.items.length === 0 ? (
        <EmptyState title="No events match" />
      ) : (
        <table className="table">
          <TableHead columns={["When", "Event", "By", "About"]} />
          <tbody>
            {events.data?.items.map((e) => (
              <tr key={e.id}>
                <td>{formatDate(e.occurred_at)}</td>
                <td>
                  <code>{e.type}</code>
                </td>
                <td>
                  {e.actor.kind}
                  {e.actor.ip ? ` · ${e.actor.ip}` : ""}
                </td>
                <td>
                  {e.aggregate_type} <code className="muted">{e.aggregate_id.slice(0, 8)}</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {events.data?.next_cursor ? <Button onClick={() => setCursor(events.data?.next_cursor ?? null)}>Older events</Button> : null}
    </section>
  );
}
