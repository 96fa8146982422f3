import { useObjectUrl } from "../lib/blob";

/** A document's thumbnail, or a file icon while there is none. */
export function Thumbnail({ ws, document, name, version }: { ws: string; document: string; name: string; version?: number }) {
  const path = version
    ? `/workspaces/${ws}/documents/${document}/versions/${version}/thumbnail`
    : `/workspaces/${ws}/documents/${document}/thumbnail`;
  const { url } = useObjectUrl(path);
  return url ? <img className="thumb" src={url} alt={`Preview of ${name}`} /> : <span className="icon-file large" aria-hidden="true" />;
}
