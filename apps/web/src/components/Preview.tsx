// A document's preview: images inline (from a blob URL), text as text, and
// for PDFs and everything else the thumbnail processing made, if any.
import { useEffect, useState } from "react";
import { api } from "../api/client";
import { useObjectUrl } from "../lib/blob";
import { Thumbnail } from "./Thumbnail";
import { Skeleton } from "./ui";

const TEXT_PREVIEW_BYTES = 256 * 1024;
const TEXT_NAMES = /\.(txt|md|markdown|csv|tsv|log|json|ya?ml|toml|ini)$/i;

export function previewKind(contentType: string, filename: string): "image" | "pdf" | "text" | "none" {
  if (/^image\/(png|jpeg|gif|webp)$/.test(contentType)) return "image";
  if (contentType === "application/pdf") return "pdf";
  if (contentType.startsWith("text/") || TEXT_NAMES.test(filename)) return "text";
  return "none";
}

function TextPreview({ path }: { path: string }) {
  const [text, setText] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    api
      .get<string>(path, { responseType: "text", headers: { range: `bytes=0-${TEXT_PREVIEW_BYTES - 1}` } })
      .then((r) => live && setText(r.data))
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [path]);
  if (failed) return <p className="muted">No preview available.</p>;
  if (text === null) return <Skeleton lines={6} label="Loading the preview" />;
  return (
    <pre className="text-preview" tabIndex={0} aria-label="Text preview">
      {text}
    </pre>
  );
}

function ImagePreview({ path, name }: { path: string; name: string }) {
  const { url, failed } = useObjectUrl(path);
  if (failed) return <p className="muted">No preview available.</p>;
  if (!url) return <Skeleton lines={6} label="Loading the preview" />;
  return <img className="image-preview" src={url} alt={name} />;
}

export function Preview({
  ws,
  document,
  version,
  contentType,
  filename,
  name,
}: {
  ws: string;
  document: string;
  version: number;
  contentType: string;
  filename: string;
  name: string;
}) {
  const path = `/workspaces/${ws}/documents/${document}/versions/${version}/content`;
  const kind = previewKind(contentType, filename);
  return (
    <div className="preview" aria-label="Preview" role="region">
      {kind === "text" ? (
        <TextPreview path={path} />
      ) : kind === "image" ? (
        <ImagePreview path={path} name={name} />
      ) : (
        <Thumbnail ws={ws} document={document} version={version} name={name} />
      )}
    </div>
  );
}
