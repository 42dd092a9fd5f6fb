import { configOf, emptyValues, splitTags, valuesOf, type FormValues } from './launch-form';
import { readRepeats } from './repeats';
import type { RunConfig } from './types';

/**
 * What the launch form holds: one text per registry field (src-shared/fields.ts), the preset it
 * started from, and the run's name, tags, notes and repeats; the request's config is derived.
 */
export class LaunchFormState {
  preset = $state('seed');
  /** The preset's config the values started from (marks the fields changed since). */
  presetConfig = $state.raw<RunConfig | null>(null);
  values = $state<FormValues>(emptyValues());
  name = $state('');
  tags = $state('');
  notes = $state('');
  repeatsText = $state('');

  readonly config = $derived(configOf(this.values));
  /** Identifies the config a preview answers (LivePreview.key). */
  readonly configKey = $derived(JSON.stringify(this.config));
  readonly repeats = $derived(readRepeats(this.repeatsText));

  /** Fills the config fields from a preset (name, tags and notes are kept). */
  applyPreset(name: string, config: RunConfig | undefined): void {
    this.preset = name;
    this.presetConfig = config ?? null;
    if (config) this.values = valuesOf(config);
  }

  /** The optional run fields as runs/start takes them (absent when empty). */
  meta(): { name?: string; tags?: string[]; notes?: string } {
    const tags = splitTags(this.tags);
    return { name: this.name.trim() || undefined, tags: tags.length ? tags : undefined, notes: this.notes.trim() || undefined };
  }
}
