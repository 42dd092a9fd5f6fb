import { call, errorMessage } from './api';
import { toasts } from './toast.svelte';
import type { RequestInput } from './types';
import { downloadContent } from './util';

/**
 * Exports a report or table and hands it to the user: the desktop app has already saved it
 * through its save dialog (the result carries the path); a browser downloads the content.
 * Every outcome ends in a toast, so callers only track their busy state.
 */
export async function exportAndDeliver(input: RequestInput<'reports/export'>): Promise<void> {
  try {
    const r = await call('reports/export', input);
    if (r.path) toasts.show(`Saved ${r.path}`, 'ok');
    else {
      downloadContent(r.filename, r.content, r.mime, r.encoding);
      toasts.show(`Downloaded ${r.filename}`, 'ok');
    }
  } catch (e) {
    toasts.show(`Export failed: ${errorMessage(e)}`, 'error');
  }
}

type ExportFormat = RequestInput<'reports/export'>['format'];
// A record over the contract's format type, so a format added to the API fails to compile here
// until the dashboard offers it too (the order is the menus' order).
const FORMAT_MENU: Record<ExportFormat, true> = { md: true, html: true, csv: true, json: true, pdf: true };
/** The report formats the export menus offer: the API's, in the menus' order. */
export const EXPORT_FORMATS = Object.keys(FORMAT_MENU) as ExportFormat[];
export type { ExportFormat };
