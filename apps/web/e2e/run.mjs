// End-to-end tests of the web app in headless Chromium (Debian's, driven by
// playwright-core) against the real `cabinet serve` on the embedded default
// (SQLite, a local folder), started here on a free port with a fresh data
// folder. Screenshots of the main screens go to docs/screenshots.
//
//   CABINET_BIN=path/to/cabinet CHROMIUM=/usr/bin/chromium node e2e/run.mjs
import { spawn } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { scenarios } from "./scenarios.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../../..");
const binary = process.env.CABINET_BIN ?? join(root, "target/debug/cabinet");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = process.env.CABINET_E2E_SCREENSHOTS ?? join(tmpdir(), "cabinet-e2e-screenshots");
// The server's log, for reading after a failure.
const serverLog = join(tmpdir(), "cabinet-e2e-server.log");

/** Starts `cabinet serve` and resolves with its base URL once it listens. */
function startServer(data, env = {}) {
  const server = spawn(binary, ["serve"], {
    cwd: root,
    env: {
      ...process.env,
      CABINET__DATA_DIR: data,
      CABINET__HTTP__PORT: "0",
      CABINET__HTTP__WEB_DIR: join(root, "apps/web/dist"),
      CABINET__LOG__LEVEL: "warn,cabinet=info",
      CABINET__WORKER__POLL_MS: "100",
      ...env,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolvePort, reject) => {
    let buffer = "";
    server.stdout.on("data", (chunk) => {
      appendFileSync(serverLog, chunk);
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 1);
        try {
          const entry = JSON.parse(line);
          if (entry.message === "cabinet is listening") {
            resolvePort({ server, base: `http://localhost:${entry.port}` });
          }
        } catch {
          // not a log line
        }
      }
    });
    server.on("exit", (code) => reject(new Error(`cabinet exited with ${code} before listening`)));
  });
}

async function main() {
  mkdirSync(shots, { recursive: true });
  writeFileSync(serverLog, "");
  const data = mkdtempSync(join(tmpdir(), "cabinet-e2e-"));
  // Access tokens live 4 seconds here (no clock skew allowed), so the
  // refresh path is exercised.
  const { server, base } = await startServer(data, {
    CABINET__AUTH__ACCESS_TTL: "4",
    CABINET__AUTH__CLOCK_SKEW_SECS: "0",
  });
  const browser = await chromium.launch({ executablePath: browserPath, headless: true });
  let failed = 0;
  try {
    for (const [name, scenario] of scenarios) {
      const started = Date.now();
      try {
        await scenario({ browser, base, shots, fixtures: join(here, "fixtures") });
        console.log(`ok   ${name} (${Date.now() - started} ms)`);
      } catch (error) {
        failed += 1;
        console.log(`FAIL ${name}: ${error.stack ?? error}`);
        // What each open page showed when it failed.
        let n = 0;
        for (const context of browser.contexts()) {
          for (const page of context.pages()) {
            n += 1;
            const path = join(tmpdir(), `cabinet-e2e-failure-${failed}-${n}.png`);
            await page.screenshot({ path }).catch(() => undefined);
            console.log(`     page ${page.url()} → ${path}`);
          }
        }
      }
    }
  } finally {
    await browser.close();
    server.kill("SIGTERM");
    await once(server, "exit");
    rmSync(data, { recursive: true, force: true });
  }
  console.log(`${scenarios.length - failed} passed, ${failed} failed`);
  writeFileSync(join(tmpdir(), "cabinet-e2e.result"), String(failed));
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
