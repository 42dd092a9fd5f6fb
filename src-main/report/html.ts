/**
 * Reports as one self-contained HTML file: inline CSS, charts as inline SVG rendered server-side,
 * no scripts and no network (a Content-Security-Policy in the file says so to the browser too).
 * The same content as the Markdown report; every piece of user text goes through escapeHtml.
 */
import type { RunDetail } from '../store/types.js';
import { modelSummary } from '../vit/summary.js';
import { comparisonCurves, paretoChart, perClassChart, trainingCharts } from './charts.js';
import {
  buildComparison,
  configGroups,
  configValue,
  costOf,
  datasetTitle,
  environmentRows,
  EPOCH_HEADERS,
  epochRows,
  fieldLabel,
  frontRuns,
  macBreakdown,
  modelMacRows,
  modelParamRows,
  paramBreakdown,
  perClassRows,
  resultOf,
  type BreakdownLine,
  type Comparison,
  type ReportOptions,
  WIDE_LIMIT,
} from './data.js';
import { commas, compact, dateTime, duration, escapeHtml as esc, pct, points, secondsBetween, times } from './format.js';
import { GROUP_HEADERS, GROUPS_INTRO, groupFrontLines, groupRows } from './groups.js';
import { resultBlock } from './result-block.js';

const CSS = `
:root {
  --ink: #111827; --text: #1f2937; --muted: #6b7280; --faint: #9ca3af; --line: #e5e7eb; --soft: #f3f4f6;
  --paper: #ffffff; --bg: #eef0f3; --accent: #2f5d8a; --accent-soft: #e8eff7; --good: #1f7a4d; --bad: #b42318;
  --mono: "DejaVu Sans Mono", Menlo, Consolas, "Liberation Mono", monospace;
  --sans: "Helvetica Neue", Helvetica, Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans CJK SC", sans-serif;
}
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.5 var(--sans); }
.report { max-width: 980px; margin: 32px auto; background: var(--paper); padding: 40px 48px 28px; border-radius: 6px;
  box-shadow: 0 1px 3px rgba(0,0,0,.08), 0 8px 24px rgba(0,0,0,.04); }
header.masthead { border-bottom: 3px solid var(--accent); padding-bottom: 16px; margin-bottom: 22px; }
.eyebrow { text-transform: uppercase; letter-spacing: .12em; font-size: 11px; font-weight: 700; color: var(--accent); }
h1 { font-size: 26px; line-height: 1.25; margin: 6px 0 8px; color: var(--ink); overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 30px 0 10px; padding-bottom: 5px; border-bottom: 1px solid var(--line); color: var(--ink); break-after: avoid; }
h3 { font-size: 13px; margin: 16px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .06em; break-after: avoid; }
p { margin: 6px 0 10px; }
.meta { color: var(--muted); font-size: 13px; }
.meta code, td code { font: 12px var(--mono); background: var(--soft); padding: 1px 5px; border-radius: 3px; color: var(--text); }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: var(--soft); color: var(--muted); }
.badge.completed { background: #e3f4ea; color: var(--good); }
.badge.failed, .badge.interrupted { background: #fde8e6; color: var(--bad); }
.badge.running, .badge.queued { background: var(--accent-soft); color: var(--accent); }
.tags { margin-top: 8px; }
.tag { display: inline-block; margin: 0 6px 4px 0; padding: 1px 8px; border: 1px solid var(--line); border-radius: 10px; font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
.notes { background: var(--soft); border-left: 3px solid var(--faint); padding: 8px 14px; border-radius: 0 4px 4px 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.cards { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: 10px; margin: 0 0 6px; }
.cards.four { grid-template-columns: repeat(4, minmax(0, 1fr)); }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; break-inside: avoid; }
.card .label { font-size: 11px; text-transform: uppercase; letter-spacing: .06em; color: var(--muted); }
.card .value { font-size: 20px; font-weight: 650; color: var(--ink); margin-top: 2px; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
.card .sub { font-size: 12px; color: var(--muted); overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); font-weight: 650; border-bottom: 1.5px solid #d1d5db; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; }
tr.total td { font-weight: 700; border-top: 1.5px solid #d1d5db; border-bottom: none; }
tr.group td { background: var(--soft); font-weight: 650; color: var(--ink); font-size: 12px; }
td.name { overflow-wrap: anywhere; max-width: 260px; }
th .name { text-transform: none; letter-spacing: 0; white-space: normal; font-size: 11.5px; color: var(--text); }
.nowrap { white-space: nowrap; }
.formula { font: 12px/1.55 var(--mono); color: var(--ink); }
.formula .cont { display: inline-block; padding-left: 5ch; }
table.breakdown td.layer { width: 30%; }
table.breakdown td.num { font-weight: 600; }
.detail { color: var(--muted); font-size: 12px; }
.wrap { overflow-x: auto; }
pre { font: 12px/1.45 var(--mono); background: #f8fafc; border: 1px solid var(--line); border-radius: 5px; padding: 12px 14px; margin: 6px 0 12px; overflow-x: auto; color: var(--ink); break-inside: avoid; }
pre.result { border-left: 3px solid var(--accent); }
.note { font-size: 12.5px; color: var(--muted); background: var(--soft); border-radius: 5px; padding: 8px 12px; margin: 8px 0 12px; }
.note strong { color: var(--text); }
.charts { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 14px; margin: 8px 0 6px; }
.charts.wide { grid-template-columns: minmax(0, 1fr); }
.charts > *, .split > *, .kv > * { min-width: 0; }
figure { margin: 0; padding: 10px; border: 1px solid var(--line); border-radius: 6px; break-inside: avoid; background: #fff; }
figure svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
.split { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 16px; align-items: start; }
.kv { display: grid; grid-template-columns: repeat(auto-fit, minmax(250px, 1fr)); gap: 0 22px; }
.kv table td:first-child { color: var(--muted); width: 55%; }
.cm td { text-align: center; padding: 4px 2px; font-size: 12px; min-width: 38px; }
.cm th { text-align: center; padding: 4px 2px; }
.cm td.rowhead, .cm th.rowhead { text-align: left; color: var(--muted); white-space: nowrap; padding-right: 8px; }
.best { font-weight: 700; color: var(--good); }
.best::after { content: " ★"; font-size: 10px; }
.pos { color: var(--good); } .neg { color: var(--bad); }
table.runs th, table.runs td { padding: 5px 6px; }
.pill { display: block; width: fit-content; font-size: 11px; padding: 0 6px; border-radius: 8px; background: #e3f4ea; color: var(--good); margin-right: 3px; white-space: nowrap; }
.baseline-mark { font-size: 11px; color: var(--bad); font-weight: 600; margin-left: 4px; }
ol.front { margin: 4px 0 12px; padding-left: 22px; } ol.front li { margin: 2px 0; }
footer { margin-top: 34px; padding-top: 10px; border-top: 1px solid var(--line); color: var(--faint); font-size: 11.5px; display: flex; justify-content: space-between; }
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  body { background: #fff; font-size: 11px; }
  .report { margin: 0; padding: 0; box-shadow: none; max-width: none; border-radius: 0; }
  header.masthead { padding-bottom: 10px; margin-bottom: 14px; }
  h1 { font-size: 22px; }
  h2 { font-size: 15px; margin: 18px 0 8px; }
  .card { padding: 6px 10px; }
  .card .value { font-size: 16px; }
  .wrap { overflow: visible; }
  .split { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  table { font-size: 10.5px; }
  th, td { padding: 3px 6px; }
  pre { font-size: 10px; padding: 8px 10px; }
  .formula { font-size: 10px; }
  figure { padding: 6px; }
}
`;

/** A table; cells are trusted HTML (escape user text before passing it in). */
function table(headers: string[], rows: string[][], opts: { num?: boolean[]; rowClass?: (i: number) => string; className?: string } = {}): string {
  const cls = (i: number) => (opts.num?.[i] ? ' class="num"' : '');
  return (
    `<div class="wrap"><table${opts.className ? ` class="${opts.className}"` : ''}><thead><tr>${headers.map((h, i) => `<th${cls(i)}>${h}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((r, ri) => `<tr${opts.rowClass?.(ri) ? ` class="${opts.rowClass(ri)}"` : ''}>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('') +
    '</tbody></table></div>'
  );
}

function page(title: string, body: string, opts: ReportOptions): string {
  const at = dateTime((opts.generatedAt ?? new Date()).toISOString());
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="ViT Lab">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main class="report">
${body}
<footer><span>Generated by ViT Lab on ${esc(at)}</span><span>Self-contained report: no scripts, no network</span></footer>
</main>
</body>
</html>
`;
}

const card = (label: string, value: string, sub = '') =>
  `<div class="card"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${sub ? `<div class="sub">${esc(sub)}</div>` : ''}</div>`;

const figure = (svg: string, caption = '') => `<figure>${svg}${caption ? `<figcaption>${esc(caption)}</figcaption>` : ''}</figure>`;

function breakdownTable(lines: BreakdownLine[], totalText: string, total: number, kind: 'Parameters' | 'MACs'): string {
  const out: string[] = [];
  let section = '';
  for (const l of lines) {
    if (l.section !== section) {
      section = l.section;
      out.push(`<tr class="group"><td colspan="3">${esc(section)}</td></tr>`);
    }
    // The seed's equation: symbolic form on the first line, numbers on the second (MACs).
    const eq = l.symbolic
      ? `${esc(kind)} = ${esc(l.symbolic)}<br><span class="cont">= ${esc(l.formula)} = ${esc(commas(l.value))}</span>`
      : esc(l.text);
    out.push(
      `<tr><td class="layer"><strong>${esc(l.label)}</strong>${l.detail ? `<div class="detail">${esc(l.detail)}</div>` : ''}</td>` +
        `<td><span class="formula">${eq}</span></td><td class="num">${commas(l.value)}</td></tr>`,
    );
  }
  out.push(`<tr class="total"><td>Total</td><td><span class="formula">${esc(totalText)}</span></td><td class="num">${commas(total)}</td></tr>`);
  return (
    `<div class="wrap"><table class="breakdown"><thead><tr><th>Layer</th><th>Computation</th><th class="num">${kind}</th></tr></thead>` +
    `<tbody>${out.join('')}</tbody></table></div>`
  );
}

function confusionTable(m: number[][], labels: string[]): string {
  const n = m.length;
  const head = `<tr><th class="rowhead">true ↓ / predicted →</th>${Array.from({ length: n }, (_, j) => `<th title="${esc(labels[j] ?? j)}">${j}</th>`).join('')}</tr>`;
  const body = m
    .map((row, i) => {
      const total = row.reduce((a, b) => a + b, 0) || 1;
      const cells = row
        .map((v, j) => {
          const f = v / total;
          const bg = i === j ? `rgba(47,93,138,${(0.08 + 0.8 * f).toFixed(3)})` : v > 0 ? `rgba(180,35,24,${Math.min(0.75, 0.05 + 2.5 * f).toFixed(3)})` : 'transparent';
          const dark = (i === j && f > 0.5) || (i !== j && f > 0.2);
          return `<td style="background:${bg};${dark ? 'color:#fff;' : ''}">${v}</td>`;
        })
        .join('');
      return `<tr><td class="rowhead">${i} ${esc(labels[i] ?? '')}</td>${cells}</tr>`;
    })
    .join('');
  return `<div class="wrap"><table class="cm"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}

/** The run report of one stored run as HTML. */
export function runHtml(run: RunDetail, opts: ReportOptions = {}): string {
  const cost = costOf(run);
  const result = resultOf(run);
  const c = run.config;
  const b: string[] = [];

  b.push(`<header class="masthead">
<div class="eyebrow">ViT Lab · Run report</div>
<h1>${esc(run.name)}</h1>
<div class="meta">Run <code>${esc(run.id)}</code> · <span class="badge ${esc(run.status)}">${esc(run.status)}</span> · ${esc(datasetTitle(c.dataset))} · created ${esc(dateTime(run.createdAt))}</div>
${run.tags.length ? `<div class="tags">${run.tags.map((t) => `<span class="tag">${esc(t)}</span>`).join('')}</div>` : ''}
</header>`);

  const acc = result ? result.correct / result.total : run.testAcc;
  const loss = result ? result.testLoss : run.testLoss;
  b.push(
    `<section class="cards">` +
      card('Test accuracy', pct(acc), result ? `${result.correct} / ${result.total}` : acc != null ? 'latest epoch' : 'not evaluated') +
      card('Test loss', loss == null ? '—' : loss.toFixed(6), result ? 'final evaluation' : loss != null ? 'latest epoch' : '') +
      card('Parameters', commas(cost.params.total), `${commas(cost.params.layerTotal)} per encoder layer`) +
      card('MACs / image', compact(cost.macs.perImage), `${commas(cost.macs.perImage)} (FLOPs ×2)`) +
      card('Epochs', `${run.epochsDone} / ${c.epochs}`, run.backend ? `on ${run.backend}` : '') +
      card('Duration', duration(secondsBetween(run.startedAt, run.finishedAt)), run.finishedAt ? `finished ${dateTime(run.finishedAt).slice(0, 16)}` : run.status) +
      `</section>`,
  );
  if (run.error) b.push(`<p class="note"><strong>Error:</strong> ${esc(run.error)}</p>`);
  if (run.notes.trim()) b.push(`<h2>Notes</h2><div class="notes">${esc(run.notes.trim())}</div>`);

  b.push('<section><h2>Training result</h2>');
  if (result) {
    const chart = perClassChart(run);
    b.push(`<div class="split"><pre class="result">${esc(resultBlock(result))}</pre>${chart ? figure(chart) : ''}</div>`);
  } else {
    const last = run.epochs[run.epochs.length - 1];
    b.push(
      `<p class="note">No final evaluation yet (status ${esc(run.status)}).${last ? ` Latest epoch (${last.epoch}): test accuracy ${pct(last.testAcc)}, test loss ${last.testLoss?.toFixed(6) ?? 'NaN'}.` : ''}</p>`,
    );
  }
  b.push('</section>');

  const curves = trainingCharts(run);
  b.push('<section><h2>Training curves</h2>');
  if (curves) b.push(`<div class="charts">${figure(curves.loss)}${figure(curves.acc)}</div>`);
  else b.push('<p class="note">No epochs recorded yet.</p>');
  b.push('</section>');

  b.push(`<section><h2>Model</h2><pre>${esc(modelSummary(c))}</pre></section>`);

  const params = paramBreakdown(cost, c);
  b.push(`<section><h2>Parameters <span class="detail">(a single transformer encoder layer)</span></h2>${breakdownTable(params.lines, params.totalText, params.total, 'Parameters')}</section>`);

  const macs = macBreakdown(cost, c);
  b.push(
    `<section><h2>MACs <span class="detail">(a single transformer encoder layer, B = ${cost.batch}, N = ${cost.tokens})</span></h2>` +
      `<p class="detail">B is the batch size and N the number of tokens (${(c.image / c.patch) ** 2} patches + the cls token). A linear layer takes B × N × input channel × output channel multiply-accumulates; each attention matmul takes B × num heads × N × N × head dim.</p>` +
      `${breakdownTable(macs.lines, macs.totalText, macs.total, 'MACs')}</section>`,
  );

  const mp = modelParamRows(cost);
  const mm = modelMacRows(cost);
  b.push(
    '<section><h2>Whole model</h2><div class="split"><div><h3>Parameters</h3>' +
      table(
        ['Part', 'Formula', 'Parameters'],
        [...mp.rows.map(([p, f, v]) => [esc(p), `<span class="formula">${esc(f)}</span>`, v]), ['Total', '', mp.total]],
        { num: [false, false, true], rowClass: (i) => (i === mp.rows.length ? 'total' : '') },
      ) +
      `</div><div><h3>MACs (B = ${cost.batch})</h3>` +
      table(
        ['Part', 'Per batch', 'Per image'],
        [...mm.rows.map(([p, f, pb, pi]) => [`${esc(p)}<div class="formula detail">${esc(f)}</div>`, pb, pi]), ...mm.totals.map(([k, pb, pi]) => [esc(k), pb, pi])],
        { num: [false, true, true], rowClass: (i) => (i === mm.rows.length ? 'total' : i > mm.rows.length ? 'total' : '') },
      ) +
      `</div></div><p class="note"><strong>Convention.</strong> ${esc(cost.convention)}</p></section>`,
  );

  if (run.epochs.length) {
    b.push(`<section><h2>Per-epoch metrics</h2>${table(EPOCH_HEADERS, epochRows(run), { num: EPOCH_HEADERS.map(() => true) })}</section>`);
  }

  if (result && run.confusion && run.confusion.length) {
    b.push(
      '<section><h2>Confusion matrix</h2><p class="detail">Rows are the true class, columns the predicted class; blue cells are correct, red cells the mistakes (darker = more).</p>' +
        `${confusionTable(run.confusion, perClassRows(run).map((r) => r.label))}</section>`,
    );
  }

  b.push(
    '<section><h2>Configuration</h2><div class="kv">' +
      configGroups(c)
        .map((g) => `<div><h3>${esc(g.title)}</h3>${table(['Field', 'Value'], g.rows.map(([k, v]) => [esc(k), esc(v)]))}</div>`)
        .join('') +
      '</div></section>',
  );
  const env = environmentRows(run);
  const half = Math.ceil(env.length / 2);
  b.push(
    '<section><h2>Environment</h2><div class="kv">' +
      [env.slice(0, half), env.slice(half)].map((rows) => `<div>${table(['Property', 'Value'], rows.map(([k, v]) => [esc(k), esc(v)]))}</div>`).join('') +
      '</div></section>',
  );

  return page(`Run report: ${run.name}`, b.join('\n'), opts);
}

/** The comparison report of several runs as HTML. */
export function comparisonHtml(runs: RunDetail[], opts: ReportOptions & { baselineId?: string } = {}): string {
  return comparisonHtmlFrom(buildComparison(runs, opts.baselineId), opts);
}

export function comparisonHtmlFrom(cmp: Comparison, opts: ReportOptions = {}): string {
  const b: string[] = [];
  const base = cmp.baseline;
  b.push(`<header class="masthead">
<div class="eyebrow">ViT Lab · Comparison report</div>
<h1>Comparison of ${cmp.runs.length} runs</h1>
<div class="meta">Baseline: <strong>${esc(base.run.name)}</strong> <code>${esc(base.run.id)}</code></div>
</header>`);

  const withAcc = cmp.runs.filter((c) => c.acc != null);
  const best = withAcc.length ? withAcc.reduce((a, c) => ((c.acc as number) > (a.acc as number) ? c : a)) : null;
  const cheapest = [...cmp.runs].sort((a, z) => a.cost.macs.perImage - z.cost.macs.perImage)[0];
  b.push(
    '<section class="cards four">' +
      card('Runs', String(cmp.runs.length), `${withAcc.length} with an accuracy`) +
      card('Best accuracy', best ? pct(best.acc) : '—', best ? best.run.name : '') +
      card('On the MACs front', String(cmp.paretoMacs.front.length), `of ${withAcc.length} runs`) +
      card('Fewest MACs / image', compact(cheapest.cost.macs.perImage), cheapest.run.name) +
      '</section>',
  );

  const mark = (id: string) =>
    (cmp.paretoMacs.frontIds.has(id) ? '<span class="pill">MACs front</span>' : '') + (cmp.paretoParams.frontIds.has(id) ? '<span class="pill">params front</span>' : '');
  b.push(
    '<section><h2>Runs</h2>' +
      table(
        ['Run', ...cmp.tableFields.map((f) => esc(f)), 'Params', 'MACs / image', 'Test acc', 'Pareto'],
        cmp.runs.map((c) => [
          `<div class="name">${esc(c.run.name)}${c === base ? '<span class="baseline-mark">baseline</span>' : ''}</div><code>${esc(c.run.id)}</code>` +
            (c.run.status === 'completed' ? '' : ` <span class="badge ${esc(c.run.status)}">${esc(c.run.status)}</span>`),
          ...cmp.tableFields.map((f) => esc(configValue(c.run.config, f))),
          commas(c.cost.params.total),
          commas(c.cost.macs.perImage),
          c.acc == null ? '—' : `${pct(c.acc)}${c.final ? '' : '<div class="detail">latest epoch</div>'}`,
          mark(c.run.id),
        ]),
        { num: [false, ...cmp.tableFields.map(() => true), true, true, true, false], className: 'runs' },
      ) +
      '</section>',
  );

  const macsChart = paretoChart(cmp, 'macs');
  const paramsChart = paretoChart(cmp, 'params');
  b.push('<section><h2>Accuracy against cost</h2>');
  b.push(
    '<p class="detail">A run is on the Pareto front (green step line) when no other run reaches at least its accuracy at no more cost. ' +
      'The red ring marks the baseline; grey points are dominated.</p>',
  );
  if (macsChart || paramsChart) b.push(`<div class="charts">${macsChart ? figure(macsChart) : ''}${paramsChart ? figure(paramsChart) : ''}</div>`);
  else b.push('<p class="note">No run has an accuracy yet.</p>');
  b.push('<div class="split">');
  for (const which of ['macs', 'params'] as const) {
    const front = frontRuns(cmp, which);
    b.push(
      `<div><h3>Front: accuracy vs ${which === 'macs' ? 'MACs per image' : 'parameters'}</h3>` +
        (front.length
          ? `<ol class="front">${front
              .map(
                (c) =>
                  `<li><strong>${esc(c.run.name)}</strong>: ${pct(c.acc)} at ${which === 'macs' ? `${commas(c.cost.macs.perImage)} MACs` : `${commas(c.cost.params.total)} params`}</li>`,
              )
              .join('')}</ol>`
          : '<p class="detail">—</p>') +
        '</div>',
    );
  }
  b.push('</div>');
  if (cmp.paretoMacs.excluded.length) {
    b.push(
      `<p class="detail">Without an accuracy: ${cmp.paretoMacs.excluded.map((p) => esc(cmp.runs.find((c) => c.run.id === p.id)!.run.name)).join(', ')}.</p>`,
    );
  }
  b.push('</section>');

  const curves = comparisonCurves(cmp);
  if (curves) b.push(`<section><h2>Training curves</h2><div class="charts wide">${figure(curves)}</div></section>`);

  b.push('<section><h2>Accuracy per class</h2>');
  const cell = (row: Comparison['perClass'][number], i: number) => {
    const a = row.accs[i];
    return a == null ? '—' : row.best.includes(i) ? `<span class="best">${pct(a)}</span>` : pct(a);
  };
  const runHead = (c: Comparison['runs'][number]) => `<span class="name">${esc(c.run.name)}</span>`;
  if (cmp.perClass.length === 0) b.push('<p class="note">No run has a final evaluation yet.</p>');
  else if (cmp.runs.length <= WIDE_LIMIT) {
    b.push('<p class="detail">★ marks the best accuracy of each class.</p>');
    b.push(
      table(
        ['Class', 'Label', ...cmp.runs.map(runHead)],
        cmp.perClass.map((row) => [String(row.k), `<span class="nowrap">${esc(row.label)}</span>`, ...row.accs.map((_, i) => cell(row, i))]),
        { num: [true, false, ...cmp.runs.map(() => true)] },
      ),
    );
  } else {
    b.push(`<p class="detail">★ marks the best accuracy of each class. Classes: ${cmp.perClass.map((r) => `${r.k} ${esc(r.label)}`).join(', ')}.</p>`);
    b.push(
      table(
        ['Run', ...cmp.perClass.map((r) => `<span title="${esc(r.label)}">${r.k}</span>`)],
        cmp.runs.map((c, i) => [`<span class="name">${esc(c.run.name)}</span>`, ...cmp.perClass.map((row) => cell(row, i))]),
        { num: [false, ...cmp.perClass.map(() => true)] },
      ),
    );
  }
  b.push('</section>');

  b.push('<section><h2>What differs</h2>');
  if (cmp.differs.length === 0) b.push('<p class="note">The configs are identical.</p>');
  else if (cmp.runs.length <= WIDE_LIMIT)
    b.push(
      table(
        ['Field', ...cmp.runs.map(runHead)],
        cmp.differs.map((d) => [`<span class="nowrap">${esc(fieldLabel(d.field))}</span>`, ...d.values.map((v) => esc(v))]),
        { num: [false, ...cmp.runs.map(() => true)] },
      ),
    );
  else
    b.push(
      '<p class="detail">Each run\'s values are in the runs table above.</p>' +
        table(['Field', 'Values'], cmp.differs.map((d) => [esc(fieldLabel(d.field)), [...new Set(d.values)].map(esc).join(', ')])),
    );
  if (cmp.same.length) {
    b.push(`<p class="detail">Same in every run: ${cmp.same.map((s) => `${esc(fieldLabel(s.field).toLowerCase())} <strong>${esc(s.value)}</strong>`).join(', ')}.</p>`);
  }
  b.push('</section>');

  const signed = (d: number | null, text: string) => (d == null || Math.abs(d) < 5e-5 ? text : `<span class="${d > 0 ? 'pos' : 'neg'}">${text}</span>`);
  b.push(
    '<section><h2>Against the baseline</h2><p class="detail">Δ accuracy in percentage points; parameters and MACs as multiples of the baseline\'s.</p>' +
      table(
        ['Run', 'Test acc', 'Δ accuracy', '× params', '× MACs / image'],
        cmp.deltas.map((d) => [
          `<span class="name">${esc(d.name)}</span>${d.isBaseline ? '<span class="baseline-mark">baseline</span>' : ''}`,
          pct(d.acc),
          d.isBaseline ? '—' : signed(d.dAcc, points(d.dAcc)),
          d.isBaseline ? '×1' : times(d.xParams),
          d.isBaseline ? '×1' : times(d.xMacs),
        ]),
        { num: [false, true, true, true, true] },
      ) +
      '</section>',
  );

  if (cmp.groups) {
    const g = cmp.groups;
    b.push(
      `<section><h2>Over seeds</h2><p class="detail">${esc(GROUPS_INTRO)}</p>` +
        table(GROUP_HEADERS.map(esc), groupRows(g).map((r) => r.map(esc)), { num: GROUP_HEADERS.map((_, i) => i > 0 && i !== 7) }) +
        (['macs', 'params'] as const)
          .map((w) => `<h3>Front over group means, ${w === 'macs' ? 'MACs per image' : 'parameters'}</h3><ol>${groupFrontLines(g, w).map((l) => `<li>${esc(l)}</li>`).join('')}</ol>`)
          .join('') +
        '</section>',
    );
  }

  b.push(`<p class="note"><strong>Convention.</strong> ${esc(base.cost.convention)}</p>`);
  return page(`Comparison of ${cmp.runs.length} runs`, b.join('\n'), opts);
}
