// Errors from the API are RFC 9457 problem documents with a stable `code`;
// this turns any failure (problem, network, unknown) into one shape the UI
// can show.
import { isAxiosError } from "axios";

import type { components } from "./schema";

/** Every code the server sends, generated from its OpenAPI document: a renamed code fails the type check. */
export type ServerCode = components["schemas"]["ProblemCode"];
/** Codes the app gives failures that brought no problem document. */
export type ClientCode = "http_error" | "canceled" | "network" | "unknown";

export interface FieldProblem {
  field: string;
  message: string;
}

export interface Problem {
  status: number;
  code: ServerCode | ClientCode;
  title: string;
  detail?: string;
  errors?: FieldProblem[];
}

/** Messages for codes whose API detail is written for developers. */
const FRIENDLY: Partial<Record<ServerCode | ClientCode, string>> = {
  invalid_credentials: "Wrong email or password.",
  email_taken: "An account with this email already exists.",
  registration_closed: "This Cabinet does not accept new accounts. Ask an administrator for one.",
  rate_limited: "Too many attempts. Wait a moment and try again.",
  name_taken: "Something with this name is already here.",
  quota_exceeded: "The workspace is full: its storage quota would be exceeded.",
  payload_too_large: "The file is larger than this Cabinet accepts.",
  precondition_failed: "Someone changed this while you were editing. Reload and try again.",
  forbidden: "Your role in this workspace does not allow that.",
  share_password_required: "This link is protected by a password.",
  share_password_invalid: "That password is not right.",
};

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "code" in value && "status" in value;
}

export function toProblem(error: unknown): Problem {
  if (isAxiosError(error)) {
    const body = error.response?.data;
    if (isProblem(body)) {
      return body;
    }
    if (error.response) {
      return { status: error.response.status, code: "http_error", title: `The server answered ${error.response.status}` };
    }
    if (error.code === "ERR_CANCELED") {
      return { status: 0, code: "canceled", title: "Canceled" };
    }
    return { status: 0, code: "network", title: "Cabinet cannot be reached. Check your connection." };
  }
  if (isProblem(error)) {
    return error;
  }
  return { status: 0, code: "unknown", title: error instanceof Error ? error.message : "Something went wrong." };
}

/** One sentence for people: a friendly text for known codes, else the API's own words. */
export function problemMessage(error: unknown): string {
  const problem = toProblem(error);
  const friendly = FRIENDLY[problem.code];
  if (friendly) {
    return friendly;
  }
  if (problem.errors && problem.errors.length > 0) {
    return problem.errors.map((e) => `${e.field}: ${e.message}`).join("; ");
  }
  if (!problem.detail) {
    return problem.title;
  }
  // "Wrong password: wrong share link password" says one thing twice.
  const words = (text: string) => new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
  const [title, detail] = [words(problem.title), words(problem.detail)];
  const within = (a: Set<string>, b: Set<string>) => [...a].every((w) => b.has(w));
  if (within(title, detail) || within(detail, title)) {
    const longer = problem.detail.length >= problem.title.length ? problem.detail : problem.title;
    return longer.charAt(0).toUpperCase() + longer.slice(1);
  }
  return `${problem.title}: ${problem.detail}`;
}
