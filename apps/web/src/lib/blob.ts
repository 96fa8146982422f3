// Fetches authenticated content as an object URL (an <img> or <iframe>
// cannot send the Authorization header itself).
import { useEffect, useState } from "react";
import { api } from "../api/client";

export function useObjectUrl(path: string | null): { url: string | null; failed: boolean; type: string | null } {
  const [state, setState] = useState<{ url: string | null; failed: boolean; type: string | null }>({
    url: null,
    failed: false,
    type: null,
  });
  useEffect(() => {
    if (!path) return;
    let url: string | null = null;
    let live = true;
    api
      .get<Blob>(path, { responseType: "blob" })
      .then((response) => {
        if (!live) return;
        url = URL.createObjectURL(response.data);
        setState({ url, failed: false, type: response.data.type });
      })
      .catch(() => live && setState({ url: null, failed: true, type: null }));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [path]);
  return state;
}
