/**
 * Hash routes, the same in Electron (file://) and in a browser (`vitlab serve`), so e2e tests can
 * navigate straight to a view: #/runs, #/launch, #/live, #/settings, #/run/<id>, #/compare?ids=a,b,c.
 */
export type Route =
  | { name: 'runs' }
  | { name: 'launch' }
  | { name: 'live' }
  | { name: 'settings' }
  | { name: 'run'; id: string }
  | { name: 'compare'; ids: string[]; comparison: string | null; sweep: string | null }
  | { name: 'notfound'; path: string };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/runs';
  const [pathPart, queryPart = ''] = raw.split('?', 2) as [string, string?];
  const parts = pathPart.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  const q = new URLSearchParams(queryPart);
  switch (parts[0]) {
    case undefined:
    case 'runs':
      return { name: 'runs' };
    case 'launch':
      return { name: 'launch' };
    case 'live':
      return { name: 'live' };
    case 'settings':
      return { name: 'settings' };
    case 'run':
      return parts[1] ? { name: 'run', id: parts[1] } : { name: 'runs' };
    case 'compare':
      return {
        name: 'compare',
        ids: (q.get('ids') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        comparison: q.get('comparison'),
        sweep: q.get('sweep'),
      };
    default:
      return { name: 'notfound', path: raw };
  }
}

export const href = {
  runs: () => '#/runs',
  launch: () => '#/launch',
  live: () => '#/live',
  settings: () => '#/settings',
  run: (id: string) => `#/run/${encodeURIComponent(id)}`,
  compare: (ids: string[]) => `#/compare${ids.length ? `?ids=${ids.map(encodeURIComponent).join(',')}` : ''}`,
  comparison: (id: string) => `#/compare?comparison=${encodeURIComponent(id)}`,
  sweep: (id: string) => `#/compare?sweep=${encodeURIComponent(id)}`,
};

class Router {
  route = $state<Route>(parseHash(location.hash));
  constructor() {
    addEventListener('hashchange', () => {
      this.route = parseHash(location.hash);
    });
  }
}

export const router = new Router();

export function navigate(h: string): void {
  if (location.hash === h) return;
  location.hash = h;
}
