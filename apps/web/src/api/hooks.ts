// Queries and mutations over the API, with their cache keys in one place.
import { useCallback } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "./client";
import type {
  Children,
  Document,
  FolderDetail,
  Member,
  Processing,
  SearchResults,
  Session,
  ShareLink,
  TrashItem,
  Version,
  Workspace,
} from "./types";

export const keys = {
  workspaces: ["workspaces"] as const,
  folder: (ws: string, id: string) => ["folder", ws, id] as const,
  children: (ws: string, id: string, sort: string) => ["children", ws, id, sort] as const,
  document: (ws: string, id: string) => ["document", ws, id] as const,
  versions: (ws: string, id: string) => ["versions", ws, id] as const,
  history: (ws: string, id: string) => ["history", ws, id] as const,
  processing: (ws: string, id: string, n: number) => ["processing", ws, id, n] as const,
  shares: (ws: string, id: string) => ["shares", ws, id] as const,
  search: (ws: string, params: string) => ["search", ws, params] as const,
  trash: (ws: string) => ["trash", ws] as const,
  members: (ws: string) => ["members", ws] as const,
  sessions: ["sessions"] as const,
  apiKeys: (ws: string) => ["api-keys", ws] as const,
  webhooks: (ws: string) => ["webhooks", ws] as const,
  deliveries: (ws: string, hook: string) => ["deliveries", ws, hook] as const,
};

export function useWorkspaces() {
  return useQuery({
    queryKey: keys.workspaces,
    queryFn: async () => (await api.get<{ items: Workspace[] }>("/workspaces")).data.items,
  });
}

export function useCreateWorkspace() {
  const queries = useQueryClient();
  return useMutation({
    mutationFn: async (name: string) => (await api.post<Workspace>("/workspaces", { name })).data,
    onSuccess: () => queries.invalidateQueries({ queryKey: keys.workspaces }),
  });
}

export function useFolder(ws: string, id: string) {
  return useQuery({
    queryKey: keys.folder(ws, id),
    queryFn: async () => (await api.get<FolderDetail>(`/workspaces/${ws}/folders/${id}`)).data,
  });
}

/** Every child of a folder (pages are followed to the end). */
export function useChildren(ws: string, id: string, sort: string) {
  return useQuery({
    queryKey: keys.children(ws, id, sort),
    queryFn: async () => {
      const items: Children["items"] = [];
      let cursor: string | null | undefined = undefined;
      do {
        const params: Record<string, string> = { sort, limit: "200" };
        if (cursor) params.cursor = cursor;
        const page: Children = (await api.get<Children>(`/workspaces/${ws}/folders/${id}/children`, { params })).data;
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      return items;
    },
  });
}

export function useDocument(ws: string, id: string) {
  return useQuery({
    queryKey: keys.document(ws, id),
    queryFn: async () => {
      const response = await api.get<Document>(`/workspaces/${ws}/documents/${id}`);
      return { document: response.data, etag: String(response.headers.etag ?? "") };
    },
  });
}

export function useVersions(ws: string, id: string) {
  return useQuery({
    queryKey: keys.versions(ws, id),
    queryFn: async () => (await api.get<{ items: Version[] }>(`/workspaces/${ws}/documents/${id}/versions`)).data.items,
  });
}

/** What processing found of a version; polled while it is pending. */
export function useProcessing(ws: string, id: string, version: number) {
  return useQuery({
    queryKey: keys.processing(ws, id, version),
    queryFn: async () =>
      (await api.get<Processing>(`/workspaces/${ws}/documents/${id}/versions/${version}/processing`)).data,
    refetchInterval: (query) => (query.state.data?.text_status === "pending" ? 1000 : false),
  });
}

export function useSearch(ws: string, params: URLSearchParams) {
  const q = params.get("q") ?? "";
  return useQuery({
    queryKey: keys.search(ws, params.toString()),
    queryFn: async () => (await api.get<SearchResults>(`/workspaces/${ws}/search`, { params })).data,
    enabled: q.trim().length > 0,
  });
}

export function useTrash(ws: string) {
  return useQuery({
    queryKey: keys.trash(ws),
    queryFn: async () => (await api.get<{ items: TrashItem[] }>(`/workspaces/${ws}/trash`)).data.items,
  });
}

/** The document's share links; asks nothing until there is a document (`id` empty). */
export function useShares(ws: string, id: string) {
  return useQuery({
    queryKey: keys.shares(ws, id),
    queryFn: async () => (await api.get<{ items: ShareLink[] }>(`/workspaces/${ws}/documents/${id}/shares`)).data.items,
    enabled: ws !== "" && id !== "",
  });
}

export function useMembers(ws: string) {
  return useQuery({
    queryKey: keys.members(ws),
    queryFn: async () => (await api.get<{ items: Member[] }>(`/workspaces/${ws}/members`)).data.items,
  });
}

export function useSessions() {
  return useQuery({
    queryKey: keys.sessions,
    queryFn: async () => (await api.get<{ items: Session[] }>("/me/sessions")).data.items,
  });
}

/** Refreshes whatever shows a folder's or a document's state after a change. */
export function useInvalidate() {
  const queries = useQueryClient();
  return useCallback(
    (ws: string) =>
      Promise.all(
        ["children", "folder", "document", "versions", "history", "trash", "search", "shares"].map((prefix) =>
          queries.invalidateQueries({ predicate: (q) => q.queryKey[0] === prefix && q.queryKey[1] === ws }),
        ),
      ),
    [queries],
  );
}
