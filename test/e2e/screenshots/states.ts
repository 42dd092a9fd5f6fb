import type { Locator, Page } from 'playwright-core';
import type { RunSummary } from '../../../src-main/store/types.js';

/**
 * Every view and state of the dashboard the before/after comparison covers, each reached the way a
 * user reaches it (clicks, keys) on the fixture store (fixture.ts). `ready` waits for what the
 * state shows; the shooter then waits until two consecutive pictures are identical (charts animate).
 */

export interface ShotContext {
  page: Page;
  /** The run with this fixture name (fixture.ts). */
  run(name: string): RunSummary;
  go(hash: string): Promise<void>;
}

export interface ShotState {
  name: string;
  /** Which server: the fixture store, or an empty database (the first-run screen). */
  store: 'fixture' | 'empty';
  ready(c: ShotContext): Promise<void>;
  /** Time-dependent parts painted over before comparing (the reason is in the comment). */
  mask?: (page: Page) => Locator[];
}

const T = { timeout: 60_000 };

async function runsTable(c: ShotContext): Promise<void> {
  await c.go('#/runs');
  await c.page.getByTestId('run-row').first().waitFor(T);
  await waitText(c.page.getByTestId('runs-total'), /^\d+ runs?$/);
}

async function waitText(l: Locator, re: RegExp): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (re.test(((await l.textContent().catch(() => '')) ?? '').trim())) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${l.toString()} never matched ${re}`);
}

/**
 * ArrowDown in the search box focuses the first row on the next frame; keys pressed before that
 * would still go to the search box (and land on row 0 again), so wait for the focus to move.
 */
async function intoGrid(c: ShotContext): Promise<void> {
  await c.page.getByTestId('run-search').press('ArrowDown');
  await c.page.locator('[data-testid="run-row"][data-index="0"]:focus').waitFor(T);
}

const rowOf = (c: ShotContext, name: string) => c.page.locator(`[data-testid="run-row"][data-run-id="${c.run(name).id}"]`);

export const STATES: ShotState[] = [
  { name: 'runs-plain', store: 'fixture', ready: runsTable },
  {
    name: 'runs-sorted-acc',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await c.page.getByTestId('sort-testAcc').click();
      await c.page.locator('[role="columnheader"][aria-sort="descending"]', { hasText: 'Test acc' }).waitFor(T);
      await rowOf(c, 'dropout s0').waitFor({ state: 'detached', ...T }).catch(() => undefined);
    },
  },
  {
    name: 'runs-grouped',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await c.page.getByTestId('group-by-config').check();
      await c.page.getByTestId('group-row').first().waitFor(T);
      await waitText(c.page.getByTestId('groups-total'), /^\d+ groups?$/);
    },
  },
  {
    name: 'runs-filtered',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await c.page.getByTestId('status-filter-completed').click();
      await c.page.getByTestId('filter-field').selectOption('depth');
      await c.page.getByTestId('filter-op').selectOption('≥');
      await c.page.getByTestId('filter-value').fill('4');
      await c.page.getByTestId('filter-add').click();
      await c.page.getByTestId('filter-chip').waitFor(T);
      await waitText(c.page.getByTestId('runs-total'), /^3 runs$/);
    },
  },
  {
    name: 'runs-search',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await c.page.getByTestId('run-search').fill('baseline');
      await c.page.getByTestId('run-search').press('Enter');
      await waitText(c.page.getByTestId('runs-total'), /^3 runs$/);
    },
  },
  {
    name: 'runs-no-match',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await c.page.getByTestId('run-search').fill('no such run');
      await c.page.getByTestId('run-search').press('Enter');
      await c.page.getByTestId('runs-empty').waitFor(T);
    },
  },
  {
    name: 'runs-selection',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      // One click, a Shift+click range (3 rows) and a Ctrl+click on a row: 4 selected.
      await rowOf(c, 'small s2').getByTestId('row-select').click();
      await rowOf(c, 'small s0').getByTestId('row-select').click({ modifiers: ['Shift'] });
      await rowOf(c, 'baseline s1').locator('[data-col="params"]').click({ modifiers: ['Control'] });
      await waitText(c.page.getByTestId('selected-count'), /^4 selected$/);
    },
  },
  {
    name: 'runs-keyboard',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      // Arrow keys move the active row, Space selects it, Shift+Space extends from the anchor.
      await intoGrid(c);
      for (let i = 0; i < 3; i++) await c.page.keyboard.press('ArrowDown');
      await c.page.keyboard.press('Space');
      await c.page.keyboard.press('ArrowDown');
      await c.page.keyboard.press('ArrowDown');
      await c.page.keyboard.press('Shift+Space');
      await waitText(c.page.getByTestId('selected-count'), /^3 selected$/);
    },
  },
  {
    name: 'runs-end',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      // End from the first row: the last row, on the second page (fetched on the way). The row is
      // not focused when its page arrives after the scroll (RunsView focuses on the next frame).
      await intoGrid(c);
      await c.page.keyboard.press('End');
      await c.page.getByTestId('run-row').filter({ hasText: 'bulk 000' }).waitFor(T);
      await c.page.getByTestId('run-row-loading').first().waitFor({ state: 'detached', ...T });
    },
  },
  {
    name: 'runs-select-all',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await c.page.getByTestId('select-all-filtered').click();
      await waitText(c.page.getByTestId('selected-count'), /^127 selected$/);
    },
  },
  {
    name: 'runs-delete-confirm',
    store: 'fixture',
    ready: async (c) => {
      await runsTable(c);
      await rowOf(c, 'wide s0').getByTestId('row-select').click();
      await rowOf(c, 'narrow s0').getByTestId('row-select').click();
      await c.page.getByTestId('delete-selected').click();
      await c.page.getByTestId('confirm-dialog').waitFor(T);
    },
  },
  {
    name: 'run-detail',
    store: 'fixture',
    ready: async (c) => {
      await c.go(`#/run/${c.run('improved s0').id}`);
      await c.page.getByTestId('run-detail').waitFor(T);
      await c.page.getByTestId('per-class-row').first().waitFor(T);
    },
  },
  {
    name: 'run-detail-failed',
    store: 'fixture',
    ready: async (c) => {
      await c.go(`#/run/${c.run('coarse s0').id}`);
      await c.page.getByTestId('detail-error').waitFor(T);
    },
  },
  {
    name: 'run-detail-meta-saved',
    store: 'fixture',
    ready: async (c) => {
      // Typed into, saved with Enter, reloaded: the header shows the new name, the form the stored
      // values and Save is disabled again (the toast has gone).
      await c.go(`#/run/${c.run('narrow s0').id}`);
      await c.page.getByTestId('run-detail').waitFor(T);
      await c.page.getByTestId('edit-tags').fill('keeper, , edited ');
      await c.page.getByTestId('edit-notes').fill('renamed for the screenshot');
      await c.page.getByTestId('edit-name').fill('narrow renamed');
      await c.page.getByTestId('edit-name').press('Enter');
      await waitText(c.page.getByTestId('detail-name'), /^narrow renamed$/);
      await c.page.getByTestId('toast').first().waitFor({ state: 'detached', ...T });
      for (let i = 0; !(await c.page.getByTestId('save-meta').isDisabled()); i++) {
        if (i > 300) throw new Error('Save stayed enabled after saving');
        await new Promise((r) => setTimeout(r, 100));
      }
      if ((await c.page.getByTestId('edit-tags').inputValue()) !== 'keeper, edited') throw new Error('the tags field does not show the stored tags');
    },
  },
  {
    name: 'run-detail-delete-confirm',
    store: 'fixture',
    ready: async (c) => {
      await c.go(`#/run/${c.run('wide s0').id}`);
      await c.page.getByTestId('delete-run').click();
      await c.page.getByTestId('confirm-dialog').waitFor(T);
    },
  },
  {
    name: 'inspect-mistakes',
    store: 'fixture',
    ready: async (c) => {
      await openMistakes(c);
    },
  },
  {
    name: 'inspect-attention',
    store: 'fixture',
    ready: async (c) => {
      const panel = await openMistakes(c);
      await panel.getByTestId('mistake-thumb').first().click();
      await panel.getByTestId('attention-view').waitFor(T);
      await panel.getByTestId('attention-select').selectOption('head-0-1');
    },
  },
  {
    name: 'compare',
    store: 'fixture',
    ready: async (c) => {
      const ids = ['baseline s0', 'small s0', 'seed-like s0', 'improved s0'].map((n) => c.run(n).id);
      await c.go(`#/compare?ids=${ids.join(',')}`);
      await c.page.getByTestId('compare-view').waitFor(T);
      await waitAttr(c.page.getByTestId('scatter-macs'), 'data-points', '4');
    },
  },
  {
    name: 'launch',
    store: 'fixture',
    ready: async (c) => {
      await c.go('#/launch');
      await c.page.getByTestId('launch-form').waitFor(T);
      // The fixture has no run like the seed config: the estimate offers to measure (no probe runs).
      await c.page.locator('[data-testid="run-estimate-time"], [data-testid="run-estimate-probe"]').first().waitFor(T);
    },
  },
  {
    name: 'launch-invalid',
    store: 'fixture',
    ready: async (c) => {
      await c.go('#/launch');
      await c.page.locator('[data-testid="launch-form"] [name="heads"]').fill('3');
      await c.page.getByTestId('field-error-heads').waitFor(T);
    },
  },
  {
    name: 'first-run',
    store: 'empty',
    ready: async (c) => {
      await c.page.getByTestId('first-run').waitFor(T);
      await waitAttr(c.page.getByTestId('first-run-data'), 'data-state', 'found');
      await waitText(c.page.getByTestId('first-run-demo-estimate'), /\d/);
      await waitText(c.page.getByTestId('first-run-seed-estimate'), /\d/);
    },
    // The expected times come from a real probe of this machine (a few timed training steps).
    mask: (page) => [page.getByTestId('first-run-seed-estimate'), page.getByTestId('first-run-demo-estimate')],
  },
];

async function waitAttr(l: Locator, attr: string, value: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if ((await l.getAttribute(attr, { timeout: 1000 }).catch(() => null)) === value) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${l.toString()} never had ${attr}="${value}"`);
}

/**
 * The inspect run's per-class "mistakes" for the first class the (untrained, seeded) model gets
 * wrong at least once: that class's misclassified test images, most confident first.
 */
async function openMistakes(c: ShotContext): Promise<Locator> {
  await c.go(`#/run/${c.run('inspect tiny').id}`);
  await c.page.getByTestId('run-detail').waitFor(T);
  const panel = c.page.getByTestId('mistakes-panel');
  for (let k = 0; k < 10; k++) {
    await c.page.locator(`[data-testid="per-class-row"][data-class="${k}"] [data-testid="per-class-mistakes"]`).click();
    // mistakes-total appears once the model has run over the test images.
    await waitAttrSet(panel.getByTestId('mistakes-total'), 'data-total');
    if (Number(await panel.getByTestId('mistakes-total').getAttribute('data-total')) > 0) {
      await panel.getByTestId('mistake-thumb').first().waitFor(T);
      return panel;
    }
  }
  throw new Error('the inspect model got every test image right: no mistakes to show');
}

async function waitAttrSet(l: Locator, attr: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    if ((await l.getAttribute(attr, { timeout: 1000 }).catch(() => null)) !== null) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${l.toString()} never had ${attr}`);
}
