// Names for the API's schemas, generated into schema.ts from the OpenAPI
// document (`npm run gen:api`).
import type { components } from "./schema";

type S = components["schemas"];

export type User = S["UserDto"];
export type Workspace = S["WorkspaceDto"];
export type Role = S["RoleDto"];
export type Folder = S["FolderDto"];
export type FolderDetail = S["FolderDetailDto"];
export type Crumb = S["CrumbDto"];
export type Child = S["ChildDto"];
export type Children = S["ChildrenDto"];
export type DocumentSummary = S["DocumentSummaryDto"];
export type Document = S["DocumentDto"];
export type Version = S["VersionDto"];
export type Processing = S["ProcessingDto"];
export type SearchHit = S["SearchHitDto"];
export type SearchResults = S["SearchResultsDto"];
export type ShareLink = S["ShareLinkDto"];
export type PublicShare = S["PublicShareDto"];
export type TrashItem = S["TrashItemDto"];
export type Member = S["MemberDto"];
export type Session = S["SessionDto"];
export type ApiKey = S["ApiKeyDto"];
export type Webhook = S["WebhookDto"];
export type Delivery = S["DeliveryDto"];
export type AuditEvent = S["AuditEventDto"];
export type Usage = S["UsageDto"];

export function isFolder(child: Child): child is Folder {
  return child.kind === "folder";
}
