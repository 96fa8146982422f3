// The flows people depend on, each in a fresh browser context.
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(fileURLToPath(import.meta.url), "../../../..");
const samplePdf = join(repo, "crates/extract/tests/fixtures/sample.pdf");
const PASSWORD = "a long enough passphrase";
const state = {};

async function signUp(browser, base, name, email) {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  await page.goto(`${base}/sign-up`);
  await page.getByLabel("Your name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  return { context, page };
}

async function upload(page, name, content, mimeType = "text/plain") {
  await page.getByTestId("upload-input").setInputFiles({ name, mimeType, buffer: Buffer.from(content) });
  await page.getByRole("link", { name }).waitFor();
}

export const scenarios = [
  [
    "sign up, create a workspace, upload a file with progress, see its preview",
    async ({ browser, base, shots }) => {
      const { context, page } = await signUp(browser, base, "Ada Owner", "ada@example.com");
      state.owner = { context, page };
      await page.getByLabel("Workspace name").fill("Acme");
      await page.getByRole("button", { name: "Create workspace" }).click();
      await page.getByRole("heading", { name: "Root" }).waitFor();
      state.workspaceUrl = page.url();
      await page.screenshot({ path: join(shots, "empty-folder.png") });

      // A slow uplink makes the progress visible.
      const cdp = await context.newCDPSession(page);
      await cdp.send("Network.enable");
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false,
        latency: 20,
        downloadThroughput: -1,
        uploadThroughput: 1_000_000,
      });
      const big = "The orchard harvest report mentions pomegranates.\n" + "lorem ipsum ".repeat(250_000);
      await page.getByTestId("upload-input").setInputFiles({ name: "harvest.txt", mimeType: "text/plain", buffer: Buffer.from(big) });
      const progress = page.getByLabel("harvest.txt progress");
      await progress.waitFor();
      let seen = 0;
      for (let i = 0; i < 100 && seen === 0; i += 1) {
        const value = Number(await progress.getAttribute("value"));
        if (value > 0 && value < 100) seen = value;
        await page.waitForTimeout(50);
      }
      assert.ok(seen > 0, "a progress value between 0 and 100 was shown");
      await page.screenshot({ path: join(shots, "upload-progress.png") });
      await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
      await page.getByText("Uploads finished").waitFor({ timeout: 60_000 });
      await page.getByRole("link", { name: "harvest.txt" }).click();
      await page.getByRole("heading", { name: "harvest.txt" }).waitFor();
      await page.getByLabel("Text preview").getByText("pomegranates", { exact: false }).waitFor();
      state.documentUrl = page.url();
      await page.screenshot({ path: join(shots, "document.png") });
    },
  ],
  [
    "upload a new version",
    async () => {
      const { page } = state.owner;
      await page.goto(state.documentUrl);
      await page.getByTestId("version-input").setInputFiles({
        name: "harvest-v2.txt",
        mimeType: "text/plain",
        buffer: Buffer.from("Second harvest: quinces and pomegranates."),
      });
      await page.getByRole("cell", { name: "harvest-v2.txt" }).waitFor({ timeout: 30_000 });
      await page.getByLabel("Text preview").getByText("quinces", { exact: false }).waitFor();
    },
  ],
  [
    "share a link and open it signed out",
    async ({ browser, shots }) => {
      const { page } = state.owner;
      await page.goto(state.documentUrl);
      await page.getByRole("button", { name: "Share…" }).click();
      await page.getByLabel("Password").fill("open sesame please");
      await page.getByLabel("Download limit").fill("3");
      await page.getByRole("button", { name: "Create link" }).click();
      const link = await page.getByLabel("Share link").inputValue();
      assert.match(link, /\/s\/[A-Za-z0-9_-]+/);
      await page.screenshot({ path: join(shots, "share-dialog.png") });
      await page.getByRole("button", { name: "Close" }).click();

      const stranger = await browser.newContext({ acceptDownloads: true });
      const visit = await stranger.newPage();
      await visit.goto(link);
      await visit.getByRole("heading", { name: "This link is protected" }).waitFor();
      await visit.getByLabel("Password").fill("wrong password!");
      await visit.getByRole("button", { name: "Open" }).click();
      await visit.getByRole("alert").waitFor();
      await visit.getByLabel("Password").fill("open sesame please");
      await visit.getByRole("button", { name: "Open" }).click();
      await visit.getByRole("heading", { name: "harvest.txt" }).waitFor();
      await visit.screenshot({ path: join(shots, "public-share.png") });
      const [download] = await Promise.all([visit.waitForEvent("download"), visit.getByRole("button", { name: "Download" }).click()]);
      assert.equal(download.suggestedFilename(), "harvest-v2.txt");
      await stranger.close();
    },
  ],
  [
    "search for a word inside a document",
    async ({ shots }) => {
      const { page } = state.owner;
      await page.goto(state.workspaceUrl);
      await page.getByTestId("upload-input").setInputFiles(samplePdf);
      await page.getByRole("link", { name: "sample.pdf" }).waitFor({ timeout: 30_000 });
      await page.getByLabel("Search documents").fill("quarterly budget");
      await page.getByLabel("Search documents").press("Enter");
      // Extraction runs in the background; search again until it is indexed.
      const hit = page.getByRole("list", { name: "Results" }).getByRole("link", { name: "sample.pdf" });
      for (let i = 0; i < 40; i += 1) {
        await page.getByRole("list", { name: "Results" }).or(page.getByText("Nothing found")).waitFor();
        if (await hit.count()) break;
        await page.waitForTimeout(500);
        await page.reload();
      }
      await hit.waitFor();
      const highlighted = await page.getByRole("list", { name: "Results" }).locator("mark").allTextContents();
      assert.ok(highlighted.some((m) => /quarterly|budget/i.test(m)), `highlights: ${highlighted}`);
      await page.screenshot({ path: join(shots, "search.png") });
    },
  ],
  [
    "trash and restore",
    async ({ shots }) => {
      const { page } = state.owner;
      await page.goto(state.workspaceUrl);
      await upload(page, "old-draft.txt", "an old draft");
      await page.getByRole("button", { name: "Delete old-draft.txt" }).click();
      await page.getByRole("link", { name: "old-draft.txt" }).waitFor({ state: "detached" });
      await page.getByRole("link", { name: "Trash" }).click();
      await page.getByText("old-draft.txt").waitFor();
      await page.screenshot({ path: join(shots, "trash.png") });
      await page.getByRole("button", { name: "Restore old-draft.txt" }).click();
      await page.getByText("The trash is empty").waitFor();
      await page.getByRole("link", { name: "Files" }).click();
      await page.getByRole("link", { name: "old-draft.txt" }).waitFor();
      await page.getByRole("button", { name: "Grid" }).click();
      await page.screenshot({ path: join(shots, "folder-grid.png") });
      await page.getByRole("button", { name: "List" }).click();
      await page.screenshot({ path: join(shots, "folder.png") });
    },
  ],
  [
    "folders: create, rename, bulk move by dialog, move by drag and drop, bulk delete",
    async () => {
      const { page } = state.owner;
      await page.goto(state.workspaceUrl);
      for (const name of ["Archive", "Inbox"]) {
        await page.getByRole("button", { name: "New folder" }).click();
        await page.getByLabel("Folder name").fill(name);
        await page.getByRole("button", { name: "Create" }).click();
        await page.getByRole("link", { name }).waitFor();
      }
      // A folder renamed: the dialog starts from its name, refuses a taken
      // one where the name is typed, and keeps a free one.
      await page.getByRole("button", { name: "New folder" }).click();
      await page.getByLabel("Folder name").fill("Drafts");
      await page.getByRole("button", { name: "Create" }).click();
      await page.getByRole("link", { name: "Drafts" }).waitFor();
      await page.getByRole("button", { name: "Rename Drafts" }).click();
      const newName = page.getByLabel("New name");
      assert.equal(await newName.inputValue(), "Drafts");
      await newName.fill("Archive");
      await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
      await page.locator('[aria-invalid="true"]').waitFor();
      await newName.fill("Notes");
      await page.getByRole("dialog").getByRole("button", { name: "Rename" }).click();
      await page.getByRole("link", { name: "Notes" }).waitFor();
      assert.equal(await page.getByRole("link", { name: "Drafts" }).count(), 0);
      await upload(page, "memo-1.txt", "first memo");
      await upload(page, "memo-2.txt", "second memo");
      // Both memos into Archive, through the selection bar and the dialog.
      await page.getByLabel("Select memo-1.txt").check();
      await page.getByLabel("Select memo-2.txt").check();
      await page.getByRole("region", { name: "Selection" }).getByRole("button", { name: "Move…" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Archive" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Move here" }).click();
      await page.getByRole("link", { name: "memo-1.txt" }).waitFor({ state: "detached" });
      assert.equal(await page.getByRole("link", { name: "memo-2.txt" }).count(), 0);
      // Inbox dragged onto Archive.
      await page.getByRole("link", { name: "Inbox" }).dragTo(page.getByRole("link", { name: "Archive" }));
      await page.getByRole("link", { name: "Inbox" }).waitFor({ state: "detached" });
      await page.getByRole("link", { name: "Archive" }).click();
      for (const name of ["Inbox", "memo-1.txt", "memo-2.txt"]) {
        await page.getByRole("link", { name }).waitFor();
      }
      // Both memos to the trash at once.
      await page.getByLabel("Select memo-1.txt").check();
      await page.getByLabel("Select memo-2.txt").check();
      await page.getByRole("region", { name: "Selection" }).getByRole("button", { name: "Move to trash" }).click();
      await page.getByRole("link", { name: "memo-2.txt" }).waitFor({ state: "detached" });
      assert.equal(await page.getByRole("link", { name: "memo-1.txt" }).count(), 0);
      await page.getByRole("link", { name: "Inbox" }).waitFor();
    },
  ],
  [
    "a viewer cannot delete",
    async ({ browser }) => {
      const viewer = await signUp(browser, base(state), "Vic Viewer", "vic@example.com");
      await viewer.page.getByLabel("Workspace name").waitFor();
      const { page } = state.owner;
      await page.getByRole("link", { name: "Members" }).click();
      await page.getByLabel("Email of an existing account").fill("vic@example.com");
      await page.getByRole("button", { name: "Add member" }).click();
      await page.getByRole("cell", { name: "vic@example.com" }).waitFor();
      await viewer.page.goto(state.workspaceUrl);
      await viewer.page.getByRole("link", { name: "harvest.txt" }).waitFor();
      assert.equal(await viewer.page.getByRole("button", { name: /^Delete / }).count(), 0);
      assert.equal(await viewer.page.getByRole("button", { name: "Upload" }).count(), 0);
      await viewer.page.getByRole("link", { name: "harvest.txt" }).click();
      await viewer.page.getByRole("heading", { name: "harvest.txt" }).waitFor();
      assert.equal(await viewer.page.getByRole("button", { name: "Move to trash" }).count(), 0);
      // Even asked directly, the API refuses.
      const status = await viewer.page.evaluate(async (url) => {
        const [, ws, doc] = url.match(/\/w\/([^/]+)\/d\/([^/?]+)/);
        const refresh = await fetch("/api/v1/auth/refresh", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
        const { access_token } = await refresh.json();
        const response = await fetch(`/api/v1/workspaces/${ws}/documents/${doc}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${access_token}` },
        });
        return response.status;
      }, state.documentUrl);
      assert.equal(status, 403);
      await viewer.context.close();
    },
  ],
  [
    "the session survives the access token's expiry",
    async () => {
      const { page } = state.owner;
      await page.goto(state.workspaceUrl);
      await page.getByRole("link", { name: "harvest.txt" }).waitFor();
      const refreshes = [];
      page.on("request", (r) => r.url().endsWith("/api/v1/auth/refresh") && refreshes.push(r.url()));
      // Access tokens live 4 s in this run.
      await page.waitForTimeout(5_000);
      // Nothing cached answers this: the request meets the expired token.
      await page.getByLabel("Search documents").fill("quinces");
      await page.getByLabel("Search documents").press("Enter");
      await page.getByRole("heading", { name: "Search" }).waitFor();
      await page.getByRole("link", { name: "harvest.txt" }).waitFor();
      assert.ok(refreshes.length >= 1, "the expired token was refreshed");
      assert.equal(new URL(page.url()).pathname.startsWith("/sign-in"), false);
    },
  ],
  [
    "at phone width nothing scrolls sideways, rows show their names, the first screen takes the page",
    async ({ browser, base, shots }) => {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
      const page = await context.newPage();
      await page.goto(`${base}/sign-up`);
      await page.getByLabel("Your name").fill("Pat Phone");
      await page.getByLabel("Email").fill("pat@example.com");
      await page.getByLabel("Password").fill(PASSWORD);
      await page.getByRole("button", { name: "Create account" }).click();
      const name = page.getByLabel("Workspace name");
      await name.waitFor();
      const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok((await name.boundingBox()).width > 200, "the first screen is not squashed into a sidebar column");
      assert.ok((await sideways()) <= 0, "the first screen does not scroll sideways");
      await name.fill("Pocket");
      await page.getByRole("button", { name: "Create workspace" }).click();
      await page.getByRole("heading", { name: "Root" }).waitFor();
      await upload(page, "a-rather-long-report-name-for-a-phone.txt", "words");
      const row = page.getByRole("link", { name: "a-rather-long-report-name-for-a-phone.txt" });
      assert.ok((await row.boundingBox()).width > 120, "the row shows its name");
      assert.ok((await sideways()) <= 0, "the folder does not scroll sideways");
      await page.screenshot({ path: join(shots, "phone-folder.png") });
      await page.goto(`${base}/account`);
      await page.locator("main h1").first().waitFor();
      assert.ok((await sideways()) <= 0, "the account page does not scroll sideways");
      const main = await page.locator("main").boundingBox();
      assert.ok(main.width > 300, `the account page takes the width (${main.width})`);
      await context.close();
    },
  ],
];

function base(s) {
  return new URL(s.workspaceUrl).origin;
}
