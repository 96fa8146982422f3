import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { SearchHit } from "../api/types";
import { previewKind } from "../components/Preview";
import { Snippet } from "./SearchPage";

describe("search results", () => {
  it("highlight matches as text, never as markup", () => {
    const hit = {
      snippet: [
        { text: "the ", highlight: false },
        { text: "<b>budget</b>", highlight: true },
        { text: " for 2027", highlight: false },
      ],
    } as SearchHit;
    const { container } = render(<Snippet hit={hit} />);
    const mark = screen.getByText("<b>budget</b>");
    expect(mark.tagName).toBe("MARK");
    expect(container.querySelector("b")).toBeNull();
  });
});

describe("previews", () => {
  it("are chosen by the decided type, and by name for text", () => {
    expect(previewKind("image/png", "a.png")).toBe("image");
    expect(previewKind("image/svg+xml", "a.svg")).toBe("none");
    expect(previewKind("application/pdf", "a.pdf")).toBe("pdf");
    expect(previewKind("application/octet-stream", "notes.md")).toBe("text");
    expect(previewKind("application/octet-stream", "tool.exe")).toBe("none");
  });
});
