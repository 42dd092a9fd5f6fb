import type {
  ApiErrorBody,
  ApiErrorCode,
  ApiEvent,
  ApiResponse,
  RequestInput,
  RequestName,
  RequestResult,
  VitlabBridge,
  WsClientMessage,
  WsServerMessage,
} from './types';

/**
 * The dashboard's one way to the engine. In Electron the preload exposes `window.vitlab`; in a
 * browser (`vitlab serve`) the same two calls travel over a WebSocket to `/api`. Views use `call`
 * (result or a thrown ApiError) and `api.onEvent`; they never know which transport carried them.
 */

export type ClientErrorCode = ApiErrorCode | 'disconnected';

/** A refused or failed request, with the field messages a form shows under its inputs. */
export class ApiError extends Error {
  readonly code: ClientErrorCode;
  readonly issues: { field: string; message: string }[];
  constructor(body: { code: ClientErrorCode; message: string; issues?: { field: string; message: string }[] }) {
    super(body.message);
    this.name = 'ApiError';
    this.code = body.code;
    this.issues = body.issues ?? [];
  }
  /** The message for one field, if the server named it. */
  issueFor(field: string): string | undefined {
    return this.issues.find((i) => i.field === field)?.message;
  }
}

export type ConnectionState = 'connected' | 'connecting' | 'disconnected' | 'no-token';
export interface ConnectionStatus {
  transport: 'ipc' | 'ws';
  state: ConnectionState;
  /** Reconnect attempts since the last good connection. */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while disconnected. */
  retryAt: number | null;
}

type EventListener = (e: ApiEvent) => void;
type StatusListener = (s: ConnectionStatus) => void;

const TOKEN_KEY = 'vitlab_token';

/** The serve token: from `?token=` (then remembered for reloads and dropped from the address bar) or the session. */
function takeToken(): string | null {
  let fromUrl: string | null = null;
  try {
    const params = new URLSearchParams(location.search);
    fromUrl = params.get('token');
    if (fromUrl) {
      sessionStorage.setItem(TOKEN_KEY, fromUrl);
      params.delete('token');
      const q = params.toString();
      history.replaceState(history.state, '', `${location.pathname}${q ? `?${q}` : ''}${location.hash}`);
    }
    return fromUrl ?? sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return fromUrl;
  }
}

interface Pending {
  resolve: (r: ApiResponse<RequestName>) => void;
  message: WsClientMessage;
  sent: boolean;
}

/** The browser transport: one socket, requests matched by id, reconnect with backoff. */
class WsBridge implements VitlabBridge {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<EventListener>();
  private readonly statusListeners = new Set<StatusListener>();
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private everConnected = false;
  status: ConnectionStatus = { transport: 'ws', state: 'connecting', attempt: 0, retryAt: null };

  constructor(private readonly token: string | null) {
    if (!token) {
      this.setStatus({ state: 'no-token' });
      return;
    }
    this.connect();
    // A laptop waking up or a tab coming back: try at once rather than after the backoff.
    addEventListener('online', () => this.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.retryNow();
    });
  }

  private setStatus(patch: Partial<ConnectionStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const l of this.statusListeners) l(this.status);
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    listener(this.status);
    return () => this.statusListeners.delete(listener);
  }

  retryNow(): void {
    if (this.status.state !== 'disconnected' || !this.token) return;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.connect();
  }

  private connect(): void {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/api?token=${encodeURIComponent(this.token ?? '')}`;
    this.setStatus({ state: 'connecting', retryAt: null });
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = ws;
    ws.onopen = () => {
      const reconnected = this.everConnected;
      this.everConnected = true;
      this.setStatus({ state: 'connected', attempt: 0, retryAt: null });
      for (const p of this.pending.values()) {
        if (!p.sent) {
          ws.send(JSON.stringify(p.message));
          p.sent = true;
        }
      }
      // Events were missed while the socket was down: tell every view to refresh what it shows.
      if (reconnected) this.emit({ type: 'runs/changed', reason: 'updated' });
    };
    ws.onmessage = (m) => {
      let msg: WsServerMessage;
      try {
        msg = JSON.parse(String(m.data)) as WsServerMessage;
      } catch {
        return;
      }
      if ('event' in msg) {
        this.emit(msg.event);
      } else if (typeof msg.id === 'number') {
        const p = this.pending.get(msg.id);
        if (p) {
          this.pending.delete(msg.id);
          p.resolve(msg.response);
        }
      }
    };
    ws.onclose = () => {
      if (this.socket !== ws) return;
      this.socket = null;
      // Requests already on the wire may or may not have run: fail them rather than send them twice.
      for (const [id, p] of this.pending) {
        if (p.sent) {
          this.pending.delete(id);
          p.resolve({ ok: false, error: { code: 'disconnected' as ApiErrorCode, message: 'the connection to ViT Lab was lost before it answered; try again' } });
        }
      }
      this.scheduleRetry();
    };
    ws.onerror = () => {
      // onclose follows and handles the retry.
    };
  }

  private scheduleRetry(): void {
    const attempt = this.status.attempt + 1;
    const delay = Math.min(10_000, 400 * 2 ** Math.min(attempt - 1, 5)) * (0.8 + Math.random() * 0.4);
    this.setStatus({ state: 'disconnected', attempt, retryAt: Date.now() + delay });
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, delay);
  }

  private emit(e: ApiEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        console.error('event listener failed', err);
      }
    }
  }

  call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<ApiResponse<N>> {
    if (!this.token) {
      return Promise.resolve({ ok: false, error: { code: 'unauthorized', message: 'no access token: open the address `vitlab serve` printed' } });
    }
    const id = this.nextId++;
    const message: WsClientMessage = { id, name, input };
    return new Promise<ApiResponse<N>>((resolve) => {
      const p: Pending = { resolve: resolve as (r: ApiResponse<RequestName>) => void, message, sent: false };
      this.pending.set(id, p);
      // While disconnected the request waits for the socket (sent once it reopens).
      if (this.socket && this.socket.readyState === WebSocket.OPEN) {
        this.socket.send(JSON.stringify(message));
        p.sent = true;
      }
    });
  }

  onEvent(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The desktop transport: the preload's bridge, with a thrown IPC error turned into a typed one. */
class IpcBridge implements VitlabBridge {
  readonly status: ConnectionStatus = { transport: 'ipc', state: 'connected', attempt: 0, retryAt: null };
  constructor(private readonly inner: VitlabBridge) {}
  async call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<ApiResponse<N>> {
    try {
      return await this.inner.call(name, input);
    } catch (e) {
      return { ok: false, error: { code: 'internal', message: e instanceof Error ? e.message : String(e) } };
    }
  }
  onEvent(listener: EventListener): () => void {
    return this.inner.onEvent(listener);
  }
  onStatus(listener: StatusListener): () => void {
    listener(this.status);
    return () => {};
  }
  retryNow(): void {}
}

function createBridge(): IpcBridge | WsBridge {
  const w = globalThis as { vitlab?: VitlabBridge };
  if (w.vitlab && typeof w.vitlab.call === 'function') return new IpcBridge(w.vitlab);
  return new WsBridge(takeToken());
}

/** The `VitlabBridge` over whichever transport this window has, plus connection status. */
export const api = createBridge();

/** Calls a request; returns its result or throws an ApiError (code, message, field issues). */
export async function call<N extends RequestName>(name: N, input: RequestInput<N>): Promise<RequestResult<N>> {
  const r = await api.call(name, input);
  if (r.ok) return r.result;
  throw new ApiError(r.error as ApiErrorBody);
}

/** Any thrown value as a line for the user. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
