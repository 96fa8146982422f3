import { api } from "../api/client";

/** Hands `blob` to the browser as a download named `filename`. */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Downloads authenticated content under `filename`. */
export async function download(path: string, filename: string): Promise<void> {
  const response = await api.get<Blob>(path, { responseType: "blob" });
  saveBlob(response.data, filename);
}
