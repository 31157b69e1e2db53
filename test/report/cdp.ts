/**
 * A minimal headless-Chromium driver over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the browser
 * reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4). No npm dependency, no
 * WebSocket, no port. Opens a file URL, records console errors, exceptions, log errors (CSP violations land there)
 * and every request whose URL is not the page itself, then takes a full-page PNG and a print PDF.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

interface Message {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  result?: Record<string, unknown>;
  error?: { message: string };
  sessionId?: string;
}

/** The fields we read from the events we listen to. */
interface EventParams {
  type?: string;
  args?: { value?: unknown; description?: string }[];
  exceptionDetails?: { text?: string; exception?: { description?: string } };
  entry?: { level?: string; source?: string; text?: string; url?: string };
  request?: { url?: string };
}

export interface PageReport {
  /** Console errors, uncaught exceptions and browser log errors (e.g. CSP violations). */
  errors: string[];
  /** URLs the page tried to fetch other than its own file URL (including attempts the CSP then blocked). */
  externalRequests: string[];
  /** Full-page screenshot. */
  png: Buffer;
  /** Consecutive slices of the page (opts.sliceHeight px tall each), for reading details. */
  slices: Buffer[];
  /** The page printed to PDF (A4, print CSS). */
  pdf: Buffer;
  /** Document title and counts read from the live DOM. */
  dom: { title: string; lang: string; svgs: number; sections: number; labelledSvgs: number; scripts: number };
}

class Browser {
  private nextId = 1;
  private pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private listeners: ((m: Message) => void)[] = [];
  private buf = "";
  readonly stderr: string[] = [];

  constructor(private readonly proc: ChildProcess) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding("utf8");
    out.on("data", (chunk: string) => {
      this.buf += chunk;
      let i = this.buf.indexOf("\0");
      while (i >= 0) {
        const m = JSON.parse(this.buf.slice(0, i)) as Message;
        this.buf = this.buf.slice(i + 1);
        this.dispatch(m);
        i = this.buf.indexOf("\0");
      }
    });
    (proc.stderr as Readable).setEncoding("utf8");
    (proc.stderr as Readable).on("data", (c: string) => this.stderr.push(c));
    proc.on("exit", () => {
      for (const p of this.pending.values()) p.reject(new Error(`chromium exited; stderr:\n${this.stderr.join("").slice(-2000)}`));
      this.pending.clear();
    });
  }

  private dispatch(m: Message): void {
    if (m.id !== undefined) {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.error) p?.reject(new Error(m.error.message));
      else p?.resolve(m);
    } else for (const l of this.listeners) l(m);
  }

  on(l: (m: Message) => void): void {
    this.listeners.push(l);
  }

  send(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> {
    const id = this.nextId++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: (m) => resolve(m.result ?? {}), reject });
      (this.proc.stdio[3] as Writable).write(`${msg}\0`);
    });
  }

  waitFor(pred: (m: Message) => boolean, timeoutMs: number, what: string): Promise<Message> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
      this.on((m) => {
        if (pred(m)) {
          clearTimeout(t);
          resolve(m);
        }
      });
    });
  }
}

/** Open `fileUrl` in a fresh headless Chromium profile and report what happened. */
export async function inspectPage(fileUrl: string, opts: { width?: number; settleMs?: number; sliceHeight?: number; media?: "screen" | "print" } = {}): Promise<PageReport> {
  const profile = mkdtempSync(join(tmpdir(), "churn-chromium-"));
  const proc = spawn(
    CHROMIUM,
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-extensions",
      "--hide-scrollbars",
      "--remote-debugging-pipe",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] },
  );
  const browser = new Browser(proc);
  const errors: string[] = [];
  const externalRequests: string[] = [];
  try {
    const { targetId } = (await browser.send("Target.createTarget", { url: "about:blank" })) as { targetId: string };
    const { sessionId } = (await browser.send("Target.attachToTarget", { targetId, flatten: true })) as { sessionId: string };
    browser.on((m) => {
      if (m.sessionId !== sessionId || !m.params) return;
      const p = m.params as EventParams;
      if (m.method === "Runtime.consoleAPICalled" && (p.type === "error" || p.type === "assert"))
        errors.push(`console.${p.type}: ${(p.args ?? []).map((a) => a.value ?? a.description).join(" ")}`);
      if (m.method === "Runtime.exceptionThrown") errors.push(`exception: ${p.exceptionDetails?.exception?.description ?? p.exceptionDetails?.text}`);
      if (m.method === "Log.entryAdded" && p.entry?.level === "error") errors.push(`log (${p.entry.source}): ${p.entry.text} ${p.entry.url ?? ""}`.trim());
      if (m.method === "Network.requestWillBeSent") {
        const url = String(p.request?.url ?? "");
        if (url !== fileUrl && !url.startsWith(`${fileUrl}#`) && !url.startsWith("data:") && url !== "about:blank") externalRequests.push(url);
      }
    });
    for (const d of ["Page", "Runtime", "Log", "Network"]) await browser.send(`${d}.enable`, {}, sessionId);
    await browser.send("Emulation.setDeviceMetricsOverride", { width: opts.width ?? 1200, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    if (opts.media === "print") await browser.send("Emulation.setEmulatedMedia", { media: "print" }, sessionId);
    const loaded = browser.waitFor((m) => m.sessionId === sessionId && m.method === "Page.loadEventFired", 30_000, "page load");
    await browser.send("Page.navigate", { url: fileUrl }, sessionId);
    await loaded;
    await new Promise((r) => setTimeout(r, opts.settleMs ?? 300));
    const evalJs = async (expr: string) =>
      ((await browser.send("Runtime.evaluate", { expression: expr, returnByValue: true }, sessionId)) as { result: { value: unknown } }).result.value;
    const dom = (await evalJs(
      `({title: document.title, lang: document.documentElement.lang, svgs: document.querySelectorAll('svg').length, sections: document.querySelectorAll('section').length, labelledSvgs: document.querySelectorAll('svg[role=img][aria-labelledby]').length, scripts: document.querySelectorAll('script').length})`,
    )) as PageReport["dom"];
    const metrics = (await browser.send("Page.getLayoutMetrics", {}, sessionId)) as { cssContentSize: { width: number; height: number } };
    const { width, height } = metrics.cssContentSize;
    const shot = (await browser.send(
      "Page.captureScreenshot",
      { format: "png", captureBeyondViewport: true, clip: { x: 0, y: 0, width: Math.ceil(width), height: Math.ceil(height), scale: 1 } },
      sessionId,
    )) as { data: string };
    const slices: Buffer[] = [];
    for (let y = 0; opts.sliceHeight && y < height; y += opts.sliceHeight) {
      const clip = { x: 0, y, width: Math.ceil(width), height: Math.min(opts.sliceHeight, Math.ceil(height - y)), scale: 1 };
      const s = (await browser.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip }, sessionId)) as { data: string };
      slices.push(Buffer.from(s.data, "base64"));
    }
    const pdf = (await browser.send("Page.printToPDF", { paperWidth: 8.27, paperHeight: 11.69, printBackground: true, preferCSSPageSize: true }, sessionId)) as { data: string };
    return { errors, externalRequests, png: Buffer.from(shot.data, "base64"), slices, pdf: Buffer.from(pdf.data, "base64"), dom };
  } finally {
    await browser.send("Browser.close").catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (proc.exitCode !== null) resolve();
      else {
        const t = setTimeout(() => {
          proc.kill("SIGKILL");
          resolve();
        }, 5000);
        proc.once("exit", () => {
          clearTimeout(t);
          resolve();
        });
      }
    });
    rmSync(profile, { recursive: true, force: true });
  }
}

/** Number of pages in a PDF produced by Chromium (counts page objects). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}
