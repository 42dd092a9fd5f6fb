export interface Toast {
  id: number;
  kind: 'info' | 'error' | 'ok';
  text: string;
  link?: { href: string; label: string };
}

class Toasts {
  items = $state<Toast[]>([]);
  private next = 1;
  show(text: string, kind: Toast['kind'] = 'info', link?: Toast['link'], ms = kind === 'error' ? 8000 : 4000): void {
    const id = this.next++;
    this.items = [...this.items, { id, kind, text, link }];
    setTimeout(() => this.dismiss(id), ms);
  }
  dismiss(id: number): void {
    this.items = this.items.filter((t) => t.id !== id);
  }
}

export const toasts = new Toasts();
