/**
 * A minimal headless-Chromium driver over the DevTools protocol on a pipe (`--remote-debugging-pipe`: the browser
 * reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4). No npm dependency, no
 * WebSocket, no port. `openPage` opens a file URL and records console errors, exceptions, log errors (CSP
 * violations land there) and every request whose URL is not the page itself; the page can then be resized, switched
 * to print media, checked for layout problems (layout-check.ts), screenshotted, printed to PDF and driven with the
 * mouse. `inspectPage` is the one-shot form.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable, Writable } from "node:stream";
import { LAYOUT_CHECK, type LayoutProblem } from "./layout-check.js";

export const CHROMIUM = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** CSS px of the printable width of an A4 page with the reports' 14 mm margins (210 − 28 mm at 96 px per inch). */
export const A4_PRINT_WIDTH = Math.floor(((210 - 28) / 25.4) * 96);

/** The views every report must read cleanly in: a laptop, a phone, an A4 page. */
export const VIEWS: (ViewOptions & { name: string })[] = [
  { name: "1280", width: 1280 },
  { name: "390", width: 390 },
  { name: "a4", width: A4_PRINT_WIDTH, media: "print" },
];

/** One line per problem, for a readable failure message. */
export const describeProblems = (view: string, ps: LayoutProblem[]): string[] => ps.map((p) => `${view}: ${p.kind} in ${p.where}: "${p.text}" ${p.detail}`);

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
  dom: DomCounts;
}

export interface DomCounts {
  title: string;
  lang: string;
  svgs: number;
  sections: number;
  labelledSvgs: number;
  scripts: number;
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

  on(l: (m: Message) => void): () => void {
    this.listeners.push(l);
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
    };
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
      const off = this.on((m) => {
        if (pred(m)) {
          clearTimeout(t);
          off();
          resolve(m);
        }
      });
      const t = setTimeout(() => {
        off();
        reject(new Error(`timed out waiting for ${what}`));
      }, timeoutMs);
    });
  }
}

export interface ViewOptions {
  /** Viewport width in CSS px (default 1200). */
  width?: number;
  /** Viewport height (default 900). */
  height?: number;
  /** Emulated media (default screen). */
  media?: "screen" | "print";
}

/** An open page in a fresh headless Chromium profile. Close it when done. */
export interface OpenPage {
  readonly errors: string[];
  readonly externalRequests: string[];
  /** Resize the viewport and switch media; the page re-lays out. */
  setView(v: ViewOptions): Promise<void>;
  /** Evaluate a JavaScript expression in the page and return its value (JSON). */
  evaluate<T>(expression: string): Promise<T>;
  /** Layout problems of the current view (see layout-check.ts). */
  layoutProblems(): Promise<LayoutProblem[]>;
  dom(): Promise<DomCounts>;
  /** Full-page PNG of the current view, or consecutive slices `sliceHeight` px tall. */
  screenshot(): Promise<Buffer>;
  slices(sliceHeight: number): Promise<Buffer[]>;
  /** Print to PDF (A4, the page's print CSS). */
  pdf(): Promise<Buffer>;
  /** Press the left mouse button at (x1, y1), move to (x2, y2) in `steps` moves, release (viewport coordinates). */
  drag(x1: number, y1: number, x2: number, y2: number, steps?: number): Promise<void>;
  /** Type keys (e.g. "ArrowRight") into the focused element. */
  key(key: string, code?: string, keyCode?: number): Promise<void>;
  close(): Promise<void>;
}

/** Open `fileUrl` in a fresh headless Chromium profile. */
export async function openPage(fileUrl: string, view: ViewOptions & { settleMs?: number } = {}): Promise<OpenPage> {
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
  const close = async () => {
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
  };
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
    const send = (method: string, params: Record<string, unknown> = {}) => browser.send(method, params, sessionId);
    for (const d of ["Page", "Runtime", "Log", "Network"]) await send(`${d}.enable`);
    const setView = async (v: ViewOptions) => {
      await send("Emulation.setDeviceMetricsOverride", { width: v.width ?? 1200, height: v.height ?? 900, deviceScaleFactor: 1, mobile: false });
      await send("Emulation.setEmulatedMedia", { media: v.media ?? "screen" });
      // two frames: the resize and the re-layout it triggers
      await evaluate("new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))");
    };
    const evaluate = async <T>(expression: string): Promise<T> => {
      const r = (await send("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true })) as {
        result: { value: unknown };
        exceptionDetails?: { exception?: { description?: string }; text?: string };
      };
      if (r.exceptionDetails) throw new Error(`page evaluation failed: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
      return r.result.value as T;
    };
    const size = async () => {
      const metrics = (await send("Page.getLayoutMetrics")) as { cssContentSize: { width: number; height: number } };
      return metrics.cssContentSize;
    };
    const capture = async (clip: { x: number; y: number; width: number; height: number }) => {
      const s = (await send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip: { ...clip, scale: 1 } })) as { data: string };
      return Buffer.from(s.data, "base64");
    };
    await send("Emulation.setDeviceMetricsOverride", { width: view.width ?? 1200, height: view.height ?? 900, deviceScaleFactor: 1, mobile: false });
    if (view.media === "print") await send("Emulation.setEmulatedMedia", { media: "print" });
    const loaded = browser.waitFor((m) => m.sessionId === sessionId && m.method === "Page.loadEventFired", 30_000, "page load");
    await send("Page.navigate", { url: fileUrl });
    await loaded;
    await new Promise((r) => setTimeout(r, view.settleMs ?? 300));
    return {
      errors,
      externalRequests,
      setView,
      evaluate,
      layoutProblems: () => evaluate<LayoutProblem[]>(LAYOUT_CHECK),
      dom: () =>
        evaluate<DomCounts>(
          `({title: document.title, lang: document.documentElement.lang, svgs: document.querySelectorAll('svg').length, sections: document.querySelectorAll('section').length, labelledSvgs: document.querySelectorAll('svg[role=img][aria-labelledby]').length, scripts: document.querySelectorAll('script').length})`,
        ),
      screenshot: async () => {
        const { width, height } = await size();
        return capture({ x: 0, y: 0, width: Math.ceil(width), height: Math.ceil(height) });
      },
      slices: async (sliceHeight: number) => {
        const { width, height } = await size();
        const out: Buffer[] = [];
        for (let y = 0; y < height; y += sliceHeight) out.push(await capture({ x: 0, y, width: Math.ceil(width), height: Math.min(sliceHeight, Math.ceil(height - y)) }));
        return out;
      },
      pdf: async () => {
        const r = (await send("Page.printToPDF", { paperWidth: 8.27, paperHeight: 11.69, printBackground: true, preferCSSPageSize: true })) as { data: string };
        return Buffer.from(r.data, "base64");
      },
      drag: async (x1, y1, x2, y2, steps = 8) => {
        const mouse = (type: string, x: number, y: number, extra: Record<string, unknown> = {}) =>
          send("Input.dispatchMouseEvent", { type, x, y, button: "left", buttons: type === "mouseReleased" ? 0 : 1, ...extra });
        await mouse("mouseMoved", x1, y1, { buttons: 0, button: "none" });
        await mouse("mousePressed", x1, y1, { clickCount: 1 });
        for (let s = 1; s <= steps; s++) await mouse("mouseMoved", x1 + ((x2 - x1) * s) / steps, y1 + ((y2 - y1) * s) / steps);
        await mouse("mouseReleased", x2, y2, { clickCount: 1 });
      },
      key: async (key, code = key, keyCode = 0) => {
        await send("Input.dispatchKeyEvent", { type: "keyDown", key, code, windowsVirtualKeyCode: keyCode });
        await send("Input.dispatchKeyEvent", { type: "keyUp", key, code, windowsVirtualKeyCode: keyCode });
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Open `fileUrl` in a fresh headless Chromium profile and report what happened. */
export async function inspectPage(fileUrl: string, opts: ViewOptions & { settleMs?: number; sliceHeight?: number } = {}): Promise<PageReport> {
  const page = await openPage(fileUrl, opts);
  try {
    const dom = await page.dom();
    const png = await page.screenshot();
    const slices = opts.sliceHeight ? await page.slices(opts.sliceHeight) : [];
    const pdf = await page.pdf();
    return { errors: page.errors, externalRequests: page.externalRequests, png, slices, pdf, dom };
  } finally {
    await page.close();
  }
}

/** Number of pages in a PDF produced by Chromium (counts page objects). */
export function pdfPageCount(pdf: Buffer): number {
  return (pdf.toString("latin1").match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
}
