/**
 * PDF from a report's HTML. The desktop app injects its own engine (Electron's
 * webContents.printToPDF); the CLI and `vitlab serve` print through a Chromium found on the
 * machine, run headless on a temp copy of the HTML, with a throw-away profile.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DomainError } from '../../src-shared/errors.js';

/** Turns a self-contained HTML document into PDF bytes. */
export type PdfEngine = (html: string) => Promise<Buffer>;

export const NO_PDF_ENGINE = 'export: PDF export needs Chromium (apt-get install chromium) or the desktop app';

const CANDIDATES = ['/usr/bin/chromium', 'chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    if (isExecutable(p)) return p;
  }
  return null;
}

/**
 * The Chromium to print with: `$CHROME_PATH` when set (it must exist), else /usr/bin/chromium,
 * chromium-browser or google-chrome on the PATH. Null when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env, candidates: readonly string[] = CANDIDATES): string | null {
  const forced = env.CHROME_PATH?.trim();
  if (forced) {
    if (isExecutable(forced)) return forced;
    throw new DomainError('unavailable', `export: CHROME_PATH is set to ${forced}, which is not an executable file`);
  }
  for (const c of candidates) {
    const p = c.includes('/') ? (isExecutable(c) ? c : null) : onPath(c, env);
    if (p) return p;
  }
  return null;
}

export interface ChromiumOptions {
  /** The browser binary; default findChromium(env, candidates). */
  executable?: string;
  /** Where to look (tests): the environment ($CHROME_PATH, $PATH) and the names tried in order. */
  env?: NodeJS.ProcessEnv;
  candidates?: readonly string[];
  /** Default 120 s. */
  timeoutMs?: number;
}

/** Flags for a one-shot headless print that touches nothing outside its temp profile. */
export function chromiumPrintArgs(profileDir: string, pdfPath: string, htmlUrl: string): string[] {
  return [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-default-apps',
    '--disable-extensions',
    '--disable-sync',
    '--no-first-run',
    '--no-default-browser-check',
    '--mute-audio',
    '--hide-scrollbars',
    `--user-data-dir=${profileDir}`,
    '--no-pdf-header-footer',
    '--print-to-pdf-no-header',
    `--print-to-pdf=${pdfPath}`,
    htmlUrl,
  ];
}

/** A PdfEngine that prints through headless Chromium; refuses clearly where none is installed. */
export function chromiumPdfEngine(opts: ChromiumOptions = {}): PdfEngine {
  return async (html: string) => {
    const exe = opts.executable ?? findChromium(opts.env ?? process.env, opts.candidates ?? CANDIDATES);
    if (!exe) throw new DomainError('unavailable', NO_PDF_ENGINE);
    const dir = mkdtempSync(join(tmpdir(), 'vitlab-pdf-'));
    try {
      const htmlPath = join(dir, 'report.html');
      const pdfPath = join(dir, 'report.pdf');
      const profile = join(dir, 'profile');
      writeFileSync(htmlPath, html);
      await new Promise<void>((resolve, reject) => {
        execFile(
          exe,
          chromiumPrintArgs(profile, pdfPath, pathToFileURL(htmlPath).href),
          { timeout: opts.timeoutMs ?? 120_000, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, HOME: dir } },
          (err, _stdout, stderr) => {
            if (err) {
              const detail = String(stderr).split('\n').filter((l) => l.trim()).slice(-3).join(' | ');
              reject(new Error(`export: Chromium (${exe}) could not print the PDF: ${err.message.split('\n')[0]}${detail ? ` (${detail})` : ''}`));
            } else resolve();
          },
        );
      });
      let pdf: Buffer;
      try {
        pdf = readFileSync(pdfPath);
      } catch {
        throw new DomainError('unavailable', `export: Chromium (${exe}) finished without writing a PDF`);
      }
      if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-') throw new DomainError('unavailable', `export: Chromium (${exe}) wrote something that is not a PDF`);
      return pdf;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
