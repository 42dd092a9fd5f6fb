import type { StoreContext } from './context.js';
import { NotFoundError, StoreError } from './errors.js';
import { normaliseTags } from './rows.js';

/** The fields a user edits on a run (name, notes, tags, queue priority), in any state. */
export class RunEdits {
  private readonly s;

  constructor(private readonly ctx: StoreContext) {
    const p = (sql: string) => ctx.db.prepare(sql);
    this.s = {
      rename: p('UPDATE runs SET name = ? WHERE id = ?'),
      setNotes: p('UPDATE runs SET notes = ? WHERE id = ?'),
      setTags: p('UPDATE runs SET tags = ? WHERE id = ?'),
      setPriority: p('UPDATE runs SET priority = ? WHERE id = ?'),
    };
  }

  update(id: string, fields: { name?: string; notes?: string; tags?: readonly string[] }): void {
    this.ctx.assertFileIntact();
    this.ctx.transaction(() => {
      this.ctx.statusOf(id);
      if (fields.name !== undefined) this.rename(id, fields.name);
      if (fields.notes !== undefined) this.setNotes(id, fields.notes);
      if (fields.tags !== undefined) this.setTags(id, fields.tags);
    });
  }

  rename(id: string, name: string): void {
    this.ctx.assertFileIntact();
    const trimmed = name.trim();
    if (!trimmed) throw new StoreError('a run name cannot be empty', 'invalid-query');
    if (this.s.rename.run(trimmed, id).changes === 0) throw new NotFoundError('run', id);
  }

  setNotes(id: string, notes: string): void {
    this.ctx.assertFileIntact();
    if (this.s.setNotes.run(notes, id).changes === 0) throw new NotFoundError('run', id);
  }

  setTags(id: string, tags: readonly string[]): string[] {
    this.ctx.assertFileIntact();
    const clean = normaliseTags(tags);
    if (this.s.setTags.run(JSON.stringify(clean), id).changes === 0) throw new NotFoundError('run', id);
    return clean;
  }

  setPriority(id: string, priority: number): void {
    this.ctx.assertFileIntact();
    if (!Number.isInteger(priority)) throw new StoreError(`priority must be a whole number, got ${priority}`, 'invalid-query');
    if (this.s.setPriority.run(priority, id).changes === 0) throw new NotFoundError('run', id);
  }
}
