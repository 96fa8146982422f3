import { AxiosError, AxiosHeaders } from "axios";
import { describe, expect, it } from "vitest";
import { problemMessage, toProblem } from "./problem";

function failed(status: number, data: unknown): AxiosError {
  const config = { headers: new AxiosHeaders() };
  return new AxiosError("failed", "ERR_BAD_REQUEST", config, null, {
    status,
    statusText: "",
    headers: {},
    config,
    data,
  });
}

describe("problem documents", () => {
  it("says the server's codes for a wrong share password and a too-large file in plain words", () => {
    const wrong = failed(401, { status: 401, code: "share_password_invalid", title: "Wrong password", detail: "wrong share link password" });
    expect(problemMessage(wrong)).toBe("That password is not right.");
    const big = failed(413, { status: 413, code: "payload_too_large", title: "Payload too large", detail: "over the limit" });
    expect(problemMessage(big)).toBe("The file is larger than this Cabinet accepts.");
  });

  it("says known codes in plain words", () => {
    const error = failed(409, { status: 409, code: "name_taken", title: "Conflict", detail: "name taken" });
    expect(problemMessage(error)).toBe("Something with this name is already here.");
  });

  it("lists field errors of a validation problem", () => {
    const error = failed(422, {
      status: 422,
      code: "validation_failed",
      title: "Invalid input",
      errors: [{ field: "q", message: "must contain a word" }],
    });
    expect(problemMessage(error)).toBe("q: must contain a word");
    expect(toProblem(error).errors?.[0]?.field).toBe("q");
  });

  it("falls back to the API's title and detail, then to the status", () => {
    expect(problemMessage(failed(404, { status: 404, code: "document_not_found", title: "Document not found", detail: "document not found" })))
      .toBe("Document not found");
    expect(problemMessage(failed(401, { status: 401, code: "x_wrong", title: "Wrong password", detail: "wrong share link password" })))
      .toBe("Wrong share link password");
    expect(problemMessage(failed(409, { status: 409, code: "last_owner", title: "Conflict", detail: "the last owner cannot leave" })))
      .toBe("Conflict: the last owner cannot leave");
    expect(toProblem(failed(502, "<html>bad gateway</html>")).code).toBe("http_error");
  });

  it("tells a network failure apart", () => {
    const offline = new AxiosError("Network Error", "ERR_NETWORK", { headers: new AxiosHeaders() });
    expect(problemMessage(offline)).toMatch(/cannot be reached/);
  });
});
