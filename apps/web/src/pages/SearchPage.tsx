// Search results with highlighted snippets and filters; the query lives in
// the URL so results can be bookmarked and shared.
import { type FormEvent, useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { useSearch } from "../api/hooks";
import type { SearchHit } from "../api/types";
import { EmptyState, ErrorMessage, Skeleton, Button } from "../components/ui";
import { formatRelative } from "../lib/format";

export function Snippet({ hit }: { hit: SearchHit }) {
  if (hit.snippet.length === 0) return null;
  return (
    <p className="snippet">
      {hit.snippet.map((part, i) => (part.highlight ? <mark key={i}>{part.text}</mark> : <span key={i}>{part.text}</span>))}
    </p>
  );
}

const TYPES: Record<string, string> = {
  "": "Any type",
  "application/pdf": "PDF",
  "image/*": "Images",
  "text/*": "Text",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
};

export default function SearchPage() {
  const { ws = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const results = useSearch(ws, params);
  const [q, setQ] = useState(params.get("q") ?? "");
  const [type, setType] = useState(params.get("type") ?? "");
  const [tag, setTag] = useState(params.get("tag") ?? "");
  const [from, setFrom] = useState(params.get("updated_from")?.slice(0, 10) ?? "");

  function submit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams();
    if (q.trim()) next.set("q", q.trim());
    if (type) next.set("type", type);
    if (tag.trim()) next.set("tag", tag.trim());
    if (from) next.set("updated_from", new Date(from).toISOString());
    setParams(next);
  }

  const more = results.data?.next_cursor;
  return (
    <section aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form className="filters" onSubmit={submit} role="search">
        <label className="grow">
          Words
          <input
            type="search"
            value={q}
            onChange={(e) => setQ(e.target.value)}
            placeholder='budget "annual report" -draft plan*'
          />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {Object.entries(TYPES).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Tag
          <input value={tag} onChange={(e) => setTag(e.target.value)} />
        </label>
        <label>
          Changed since
          <input type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <Button type="submit" variant="primary">
          Search
        </Button>
      </form>
      <ErrorMessage error={results.error} />
      {!params.get("q") ? (
        <EmptyState title="Find documents by the words inside them">
          <p>Use quotes for phrases, a minus to exclude a word, and a star for prefixes.</p>
        </EmptyState>
      ) : results.isLoading ? (
        <Skeleton lines={5} label="Searching" />
      ) : results.data?.items.length === 0 ? (
        <EmptyState title="Nothing found">
          <p>Try fewer or other words, or remove filters.</p>
        </EmptyState>
      ) : (
        <>
          <ol className="results" aria-label="Results">
            {results.data?.items.map((hit) => (
              <li key={hit.document_id}>
                <Link to={`/w/${ws}/d/${hit.document_id}`} className="result-title">
                  {hit.name}
                </Link>
                <span className="muted"> · {hit.content_type} · {formatRelative(hit.updated_at)}</span>
                <Snippet hit={hit} />
              </li>
            ))}
          </ol>
          {more ? (
            <Button
              onClick={() => {
                const next = new URLSearchParams(params);
                next.set("cursor", more);
                setParams(next);
              }}
            >
              Next results
            </Button>
          ) : null}
        </>
      )}
    </section>
  );
}
