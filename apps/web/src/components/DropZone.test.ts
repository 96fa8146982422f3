import { describe, expect, it } from "vitest";
import { droppedFiles } from "./DropZone";

function file(name: string) {
  const f = new File(["x"], name);
  return { isFile: true, isDirectory: false, name, file: (ok: (f: File) => void) => ok(f) };
}

function dir(name: string, children: unknown[]) {
  // Entries come in batches; an empty batch ends the listing.
  const batches = [children.slice(0, 1), children.slice(1), []];
  return {
    isFile: false,
    isDirectory: true,
    name,
    createReader: () => ({ readEntries: (ok: (e: unknown[]) => void) => ok(batches.shift() ?? []) }),
  };
}

describe("dropped folders", () => {
  it("are walked to every file with its path", async () => {
    const tree = dir("project", [file("a.txt"), dir("docs", [file("b.pdf")]), file("c.md")]);
    const transfer = {
      items: [{ kind: "file", webkitGetAsEntry: () => tree }, { kind: "file", webkitGetAsEntry: () => file("top.png") }],
      files: [],
    } as unknown as DataTransfer;
    const found = await droppedFiles(transfer);
    expect(found.map((f) => f.path)).toEqual(["project/a.txt", "project/docs/b.pdf", "project/c.md", "top.png"]);
  });
});
