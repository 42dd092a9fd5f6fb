import { app, BrowserWindow, dialog, ipcMain, Menu, shell, type MenuItemConstructorOptions } from 'electron';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dispatch } from './api/handlers.js';
import type { ExportResult } from './api/contract.js';
import { openContext, type OpenedContext } from './app/open-context.js';
import { defaultDbPath } from './store/db.js';
import { chooseStore, type StoreChoice } from './store/open-store.js';

/**
 * Electron entry, kept thin: a window with the security settings DESIGN.md asks for, the IPC wiring
 * of the shared handlers, the menu, and a graceful quit. Everything else is the plain-Node engine.
 */

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const stateFile = () => path.join(app.getPath('userData'), 'window-state.json');

interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized?: boolean;
}

function loadWindowState(): WindowState {
  try {
    const s = JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as WindowState;
    if (s.width >= 600 && s.height >= 400) return s;
  } catch {
    // first start, or an unreadable file: use the default size
  }
  return { width: 1320, height: 860 };
}

function saveWindowState(win: BrowserWindow): void {
  const b = win.getNormalBounds();
  fs.writeFileSync(stateFile(), JSON.stringify({ ...b, maximized: win.isMaximized() } satisfies WindowState));
}

/** better-sqlite3 built for Electron's ABI by scripts/start.js, beside the Node build the CLI uses. */
function electronSqliteBinding(): string | undefined {
  const p = path.join(root, '.native', `electron-${process.versions.electron}`, 'better_sqlite3.node');
  return fs.existsSync(p) ? p : undefined;
}

let opened: OpenedContext | null = null;
let mainWindow: BrowserWindow | null = null;
let quitting = false;

/** Electron's own PDF engine: the report's HTML in a hidden, script-less window. */
async function printToPdf(html: string): Promise<Buffer> {
  const win = new BrowserWindow({ show: false, webPreferences: { javascript: false, sandbox: true } });
  try {
    await win.loadURL(`data:text/html;charset=utf-8,${encodeURIComponent(html)}`);
    return await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
  } finally {
    win.destroy();
  }
}

function createWindow(): BrowserWindow {
  const state = loadWindowState();
  const win = new BrowserWindow({
    ...state,
    minWidth: 900,
    minHeight: 600,
    title: 'ViT Lab',
    show: false,
    webPreferences: {
      preload: path.join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      nodeIntegration: false,
      sandbox: true,
      webSecurity: true,
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  // The dashboard is one page: every navigation away from it and every new window is refused;
  // external links open in the user's browser instead.
  win.webContents.on('will-navigate', (e, url) => {
    if (url !== win.webContents.getURL()) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.on('close', (e) => {
    saveWindowState(win);
    if (!quitting) {
      e.preventDefault();
      void confirmQuit();
    }
  });
  if (process.env.ELECTRON_RENDERER_URL) void win.loadURL(process.env.ELECTRON_RENDERER_URL);
  else void win.loadFile(path.join(here, '../renderer/index.html'));
  return win;
}

/** Asks what to do with running and queued runs before quitting; nothing is lost either way. */
async function confirmQuit(): Promise<void> {
  // On a shared store the queue is the store's (agents train it): quitting the app leaves it be.
  const engine = opened?.engine;
  const running = engine?.supervisor.runningIds.length ?? 0;
  const queued = engine?.store.listQueued().length ?? 0;
  if (running + queued > 0 && mainWindow) {
    const { response } = await dialog.showMessageBox(mainWindow, {
      type: 'question',
      buttons: ['Quit and keep the queue', 'Quit and cancel queued runs', 'Stay'],
      defaultId: 0,
      cancelId: 2,
      message: `${running} run(s) training, ${queued} queued.`,
      detail: 'Running runs stop after their current batch; their finished epochs and last checkpoint are kept, and they can be resumed.',
    });
    if (response === 2) return;
    if (response === 1) for (const r of engine!.store.listQueued()) engine!.supervisor.cancel(r.id);
  }
  quitting = true;
  await opened?.close({ cancelRunning: true });
  app.quit();
}

function buildMenu(): void {
  const send = (hash: string) => mainWindow?.webContents.executeJavaScript(`location.hash = ${JSON.stringify(hash)}`);
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'New Run…', accelerator: 'CmdOrCtrl+N', click: () => void send('#/launch') },
        { label: 'Runs', accelerator: 'CmdOrCtrl+1', click: () => void send('#/runs') },
        { label: 'Compare', accelerator: 'CmdOrCtrl+2', click: () => void send('#/compare') },
        { label: 'Settings…', accelerator: 'CmdOrCtrl+,', click: () => void send('#/settings') },
        { type: 'separator' },
        { label: 'Quit', accelerator: 'CmdOrCtrl+Q', click: () => void confirmQuit() },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function saveExport(result: ExportResult): Promise<ExportResult> {
  if (!mainWindow) return result;
  const { canceled, filePath } = await dialog.showSaveDialog(mainWindow, { defaultPath: result.filename });
  if (canceled || !filePath) return result;
  fs.writeFileSync(filePath, result.encoding === 'base64' ? Buffer.from(result.content, 'base64') : result.content);
  return { ...result, path: filePath };
}

/**
 * The store the CLI and serve would use (store/open-store.ts chooseStore: VITLAB_STORE, VITLAB_DB,
 * the store saved in Settings, else ~/.vitlab/vitlab.db): runs started with `vitlab train` show up
 * in the app and the other way round; on a PostgreSQL store the app works as `serve` on it does
 * (agents train, the LISTEN feed keeps it live). Where the saved store cannot be opened (the
 * server is down, the settings file is damaged), the app offers the local default file for this
 * start rather than quitting, so the user can reach Settings to fix it.
 */
async function openChosenStore(): Promise<OpenedContext | null> {
  const options = {
    nativeBinding: electronSqliteBinding(),
    pdfEngine: printToPdf,
    // A saved store takes effect on the next start: offered as a restart from the Settings view.
    relaunch: () => {
      app.relaunch();
      void confirmQuit();
    },
  };
  let choice: StoreChoice | null = null;
  try {
    choice = chooseStore();
    return await openContext(choice, options);
  } catch (e) {
    const message = (e as Error).message;
    // Only the settings file (read when no flag or variable names a store) is the app's to work around.
    if (choice !== null && choice.source !== 'settings') {
      dialog.showErrorBox('ViT Lab cannot open its store', `${message}\n\nThe store is named by ${choice.source}.`);
      return null;
    }
    const { response } = await dialog.showMessageBox({
      type: 'error',
      buttons: ['Open the local default store', 'Quit'],
      defaultId: 0,
      cancelId: 1,
      message: 'ViT Lab cannot open the store saved in its settings',
      detail: `${message}\n\nThe local default store can open instead for this start; the saved setting is kept until you change it in Settings.`,
    });
    if (response !== 0) return null;
    try {
      return await openContext({ location: defaultDbPath(), source: 'default' }, options);
    } catch (e2) {
      dialog.showErrorBox('ViT Lab cannot open its store', (e2 as Error).message);
      return null;
    }
  }
}

void app.whenReady().then(async () => {
  opened = await openChosenStore();
  if (!opened) {
    app.exit(1);
    return;
  }
  const ctx = opened.ctx;
  const exportOne = ctx.exportReport!;
  ctx.exportReport = async (input) => saveExport(await exportOne(input));
  ipcMain.handle('vitlab:call', (event, name: unknown, input: unknown) => {
    // Only our own window's frame may call the API.
    if (!mainWindow || event.sender !== mainWindow.webContents) return { ok: false, error: { code: 'unauthorized', message: 'unknown sender' } };
    return dispatch(String(name), input, ctx);
  });
  opened.onEvents((e) => mainWindow?.webContents.send('vitlab:event', e));
  opened.start();
  buildMenu();
  mainWindow = createWindow();
});

app.on('window-all-closed', () => {
  if (quitting || process.platform !== 'darwin') app.quit();
});
