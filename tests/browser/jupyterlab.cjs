// JupyterLab in Debian's chromium, driven by playwright-core: what a user does with the kernel.
// Run by tests/python/test_browser.py (mode "test"), tests/python/test_hub.py (mode "hub": a
// JupyterHub with HUB_URL, HUB_USER, HUB_PASSWORD) and by `scripts/demo --screenshots` (mode
// "tour"). Environment: LAB_URL, LAB_TOKEN, OUT_DIR, MODE, SPARK_SQL_KERNEL_TEST_PLAYWRIGHT (the
// playwright-core directory). Exits non-zero, saying which step failed, when a check fails.
'use strict';

const fs = require('fs');
const path = require('path');
const { chromium } = require(process.env.SPARK_SQL_KERNEL_TEST_PLAYWRIGHT || 'playwright-core');
const workbench = require('./workbench.cjs');

const DISPLAY_NAME = 'Spark SQL (KBase)';
const KERNEL_NAME = 'spark-sql-kbase';
const { LAB_URL, LAB_TOKEN, OUT_DIR } = process.env;
const MODE = process.env.MODE || 'test';

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
}

async function step(name, action) {
  const started = Date.now();
  try {
    const result = await action();
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
    return result;
  } catch (error) {
    console.log(`FAIL ${name} (${Date.now() - started} ms)`);
    throw error;
  }
}

/** Types into the notebook's active cell and runs it (Shift+Enter). */
async function runInActiveCell(page, code) {
  const editor = page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active .cm-content');
  await editor.click();
  await page.keyboard.type(code);
  await page.keyboard.press('Shift+Enter');
}

/** The rows of a kernel result table: header names and cell texts. */
async function tableContents(table) {
  return table.evaluate((t) => ({
    headers: [...t.querySelectorAll('thead th:not(.spark-sql-explorer-corner)')].map((th) => th.firstChild.textContent),
    types: [...t.querySelectorAll('thead th small')].map((s) => s.textContent),
    rows: [...t.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => ({ text: td.textContent, cls: td.className }))),
  }));
}

/** Answers JupyterLab's one-time "official Jupyter news?" toast, if it shows. */
async function dismissNews(page) {
  const no = page.locator('.jp-toast-button', { hasText: /^No$/ });
  await no.first().click({ timeout: 3000 }).catch(() => {});
}

async function openLauncher(page) {
  await page.goto(`${LAB_URL}/lab/workspaces/w${Date.now()}?reset&token=${LAB_TOKEN}`);
  await page.locator('.jp-Launcher').first().waitFor({ timeout: 60000 });
  await dismissNews(page);
}

/** A fresh workspace's Launcher, then a notebook on the kernel, idle. */
async function openNotebook(page) {
  await openLauncher(page);
  await page.locator('.jp-LauncherCard[data-category="Notebook"]', { hasText: DISPLAY_NAME }).click();
  await page.getByText(`${DISPLAY_NAME} | Idle`).first().waitFor({ timeout: 60000 });
  // The first cell connects the kernel to Spark.
  await runInActiveCell(page, 'SELECT 1 AS warm');
  await page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'warm' }).first()
    .waitFor({ timeout: 60000 });
}

async function testMode(page) {
  await step('JupyterLab opens on a fresh workspace with the Launcher', () => openLauncher(page));
  const card = page.locator('.jp-LauncherCard[data-category="Notebook"]', { hasText: DISPLAY_NAME });
  await step(`the Launcher has a "${DISPLAY_NAME}" notebook card with the kernel's logo`, async () => {
    await card.waitFor({ timeout: 30000 });
    const logo = card.locator('img');
    const src = await logo.getAttribute('src');
    check(src && src.includes(`/kernelspecs/${KERNEL_NAME}/`), `logo src ${src}`);
    await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, await logo.elementHandle());
    await page.screenshot({ path: path.join(OUT_DIR, '1-launcher.png') });
  });
  await step('clicking the card opens a notebook on the kernel', async () => {
    await card.click();
    await page.locator('.jp-NotebookPanel:visible .jp-Cell .cm-content').first().waitFor({ timeout: 30000 });
    // The toolbar names the kernel once the session exists; the status bar says Idle once the
    // kernel has answered (cells run before that may be dropped by JupyterLab).
    await page.locator('.jp-NotebookPanel:visible .jp-Toolbar-kernelName', { hasText: DISPLAY_NAME })
      .waitFor({ timeout: 30000 });
    await page.getByText(`${DISPLAY_NAME} | Idle`).first().waitFor({ timeout: 60000 });
  });
  const query = "SELECT id, id * 2 AS twice, concat('row ', id) AS label, " +
    'CASE WHEN id = 1 THEN NULL ELSE id END AS maybe FROM range(3)';
  await step('a query against the local Spark shows its table', async () => {
    await runInActiveCell(page, query);
    const table = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output table.spark-sql-table').first();
    await table.waitFor({ timeout: 90000 });
    const got = await tableContents(table);
    check(JSON.stringify(got.headers) === JSON.stringify(['id', 'twice', 'label', 'maybe']),
      `headers ${JSON.stringify(got.headers)}`);
    check(JSON.stringify(got.types) === JSON.stringify(['bigint', 'bigint', 'string', 'bigint']),
      `types ${JSON.stringify(got.types)}`);
    const texts = got.rows.map((r) => r.map((c) => c.text));
    check(JSON.stringify(texts) === JSON.stringify([
      ['0', '0', 'row 0', '0'], ['1', '2', 'row 1', 'NULL'], ['2', '4', 'row 2', '2']]),
      `cells ${JSON.stringify(texts)}`);
    check(got.rows[1][3].cls.includes('null') && !got.rows[0][2].cls.includes('null'), 'NULL is marked');
    const align = await table.evaluate((t) => [
      getComputedStyle(t.querySelector('tbody td.n')).textAlign,
      getComputedStyle(t.querySelector('tbody td.s')).textAlign,
      getComputedStyle(t.querySelector('thead th:not(.spark-sql-explorer-corner)')).position,
    ]);
    check(JSON.stringify(align) === JSON.stringify(['right', 'left', 'sticky']), `styles ${align}`);
    await page.screenshot({ path: path.join(OUT_DIR, '2-table.png') });
  });
  await step('a %%chart cell shows its table and a chart rendered by JupyterLab\'s Vega-Lite', async () => {
    await runInActiveCell(page, '%%chart bar x=label y=twice title="Twice by label"\n' +
      "SELECT id, id * 2 AS twice, concat('row ', id) AS label FROM range(3)");
    const chart = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output .vega-embed').first();
    await chart.waitFor({ timeout: 60000 });
    // vega-embed draws into a canvas or an SVG; either holds the drawing once rendered.
    const drawn = await chart.evaluate((e) => {
      const canvas = e.querySelector('canvas');
      const svg = e.querySelector('svg.marks');
      return { canvas: canvas ? canvas.width * canvas.height : 0, svg: svg ? svg.querySelectorAll('path').length : 0 };
    });
    check(drawn.canvas > 10000 || drawn.svg > 2, `chart drawn ${JSON.stringify(drawn)}`);
    await chart.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUT_DIR, '6-chart.png') });
  });
  await step('Tab completes table names from the Spark catalog', async () => {
    // SHOW TABLES in the cell warms the server's catalog path, so that the completion (which
    // waits at most a second for Spark) finds it answering at once; the cell's table is the
    // condition to wait for.
    await runInActiveCell(page, 'CREATE OR REPLACE TEMPORARY VIEW browser_genomes AS SELECT 1 AS id;\n' +
      'CREATE OR REPLACE TEMPORARY VIEW browser_genes AS SELECT 2 AS id;\nSHOW TABLES');
    await page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'browser_genes' }).first()
      .waitFor({ timeout: 30000 });
    const editor = page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active .cm-content');
    await editor.click();
    await page.keyboard.type('SELECT * FROM browser_ge');
    const items = page.locator('.jp-Completer:visible .jp-Completer-item');
    await page.keyboard.press('Tab');
    await items.first().waitFor({ timeout: 15000 });
    const texts = await items.allTextContents();
    check(texts.some((t) => t.includes('browser_genomes')) && texts.some((t) => t.includes('browser_genes')),
      `completer items ${JSON.stringify(texts)}`);
    await page.screenshot({ path: path.join(OUT_DIR, '4-completion.png') });
    await page.keyboard.press('Escape');
    await page.keyboard.type('no');
    // One match: JupyterLab may insert it at once or open the completer with it. A Tab that
    // lands while the closed completer is still being torn down is not taken: press it again.
    const inserted = () => page.evaluate(() => {
      const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active .cm-content');
      return Boolean(cell && cell.textContent.includes('browser_genomes'));
    });
    for (let attempt = 0; attempt < 3 && !(await inserted()); attempt += 1) {
      await page.keyboard.press('Tab');
      const shown = await items.first().waitFor({ timeout: 5000 }).then(() => true, () => false);
      if (shown) {
        await page.keyboard.press('Enter');
        break;
      }
    }
    await page.waitForFunction(() => {
      const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active .cm-content');
      return cell && cell.textContent.includes('browser_genomes');
    }, null, { timeout: 15000 });
    await page.keyboard.press('Shift+Enter');
    await page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'id' }).nth(1)
      .waitFor({ timeout: 30000 });
  });
  await step('a long query shows a live progress line that ends as a summary', async () => {
    await runInActiveCell(page, 'SELECT count(*) AS n FROM range(0, 8, 1, 4)\n' +
      "WHERE reflect('java.lang.Thread', 'sleep', bigint(1000)) IS NOT NULL");
    const line = page.locator('.jp-NotebookPanel:visible .spark-sql-progress', { hasText: 'Spark: running' });
    await line.first().waitFor({ timeout: 30000 });
    await page.locator('.jp-NotebookPanel:visible .spark-sql-progress', { hasText: 'tasks' }).first()
      .waitFor({ timeout: 30000 });
    await page.screenshot({ path: path.join(OUT_DIR, '5-progress.png') });
    await page.locator('.jp-NotebookPanel:visible .spark-sql-progress', { hasText: 'Spark: done' }).first()
      .waitFor({ timeout: 60000 });
  });
  await step('interrupting a long query from the toolbar cancels it on Spark', async () => {
    await runInActiveCell(page, "SELECT reflect('java.lang.Thread', 'sleep', bigint(60000)) AS slept");
    const running = page.locator('.jp-NotebookPanel:visible .jp-Cell .jp-InputPrompt', { hasText: '[*]' });
    await running.first().waitFor({ timeout: 30000 });
    // The progress line shows once the query runs on Spark (after about a second).
    await page.locator('.jp-NotebookPanel:visible .spark-sql-progress', { hasText: 'Spark: running' }).last()
      .waitFor({ timeout: 30000 });
    const clicked = Date.now();
    await page.locator('.jp-NotebookPanel:visible [data-command="notebook:interrupt-kernel"]').first().click();
    const message = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output',
      { hasText: 'KeyboardInterrupt' });
    await message.first().waitFor({ timeout: 20000 });
    const text = await message.first().textContent();
    check(text.includes('cancelled on the Spark server'), `message ${text}`);
    console.log(`     cancelled ${Date.now() - clicked} ms after the click`);
    await running.first().waitFor({ state: 'detached', timeout: 10000 });
    await page.screenshot({ path: path.join(OUT_DIR, '3-interrupted.png') });
  });
  await step('the kernel still answers after the interrupt', async () => {
    await runInActiveCell(page, 'SELECT 42 AS answer');
    const answer = page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'answer' });
    await answer.first().waitFor({ timeout: 30000 });
  });
  const helpers = { step, check, runInActiveCell, chooseTheme, OUT_DIR };
  await workbench.formatSteps(page, helpers);
  await workbench.sidebarSteps(page, helpers);
  await exploreSteps(page);
  await liveSteps(page);
}

/** A result too large to keep unasked (3e7 rows; Spark estimates it past the 256 MiB budget):
 * read live, counted on demand, paused while a cell runs. */
async function liveSteps(page) {
  const views = page.locator('.jp-NotebookPanel:visible .spark-sql-explorer');
  // This result's view, however many results later cells add below it.
  let view = views.last();
  let range = view.locator('.spark-sql-explorer-range');
  let status = view.locator('.spark-sql-explorer-status');
  await step('a large result is read live and shows "more than 100" rows until counted', async () => {
    await runInActiveCell(page, 'SELECT id, sha2(cast(id AS string), 256) AS h FROM range(0, 30000000, 1, 8)');
    await page.locator('.jp-NotebookPanel:visible .spark-sql-explorer-status', { hasText: 'live tables' })
      .last().waitFor({ timeout: 120000 });
    view = views.nth((await views.count()) - 1);
    range = view.locator('.spark-sql-explorer-range');
    status = view.locator('.spark-sql-explorer-status');
    check((await range.textContent()).includes('of more than 100'), await range.textContent());
    for (const name of ['First page', 'Previous page', 'Next page', 'Last page', 'Count rows', 'Summary',
      'Export', 'Keep a stable copy', 'Copy page']) {
      check(await view.getByRole('button', { name, exact: true }).isVisible(), `no button named ${name}`);
    }
  });
  await step('Next page reads on, and Count rows counts the whole result', async () => {
    await view.getByRole('button', { name: 'Next page' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'Rows 101–200 of more than 200' })
      .waitFor({ timeout: 30000 });
    await view.getByRole('button', { name: 'Count rows' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'of 30,000,000' }).waitFor({ timeout: 120000 });
  });
  await step('Keep a stable copy shows Spark\'s estimate and asks first', async () => {
    await view.getByRole('button', { name: 'Keep a stable copy' }).click();
    const dialog = page.locator('.jp-Dialog');
    await dialog.waitFor({ timeout: 10000 });
    const text = await dialog.textContent();
    check(/Spark estimates this result at [\d.]+ [kMGT]B/.test(text), `dialog ${text}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 10000 });
  });
  await step('a page far into a live result says what it costs before it runs', async () => {
    await view.getByLabel('Go to row').fill('2000000');
    await view.getByLabel('Go to row').press('Enter');
    const dialog = page.locator('.jp-Dialog');
    await dialog.waitFor({ timeout: 10000 });
    const text = await dialog.textContent();
    check(text.includes('Row 1,999,901 of a live result: Spark reads up to it'), `dialog ${text}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached', timeout: 10000 });
    check((await range.textContent()).startsWith('Rows 101–200'), await range.textContent());
  });
  await step('a cell goes first: a count in progress pauses while the cell runs, then goes on', async () => {
    // A filter on the hash: its count hashes every one of the 3e7 rows.
    await view.getByRole('button', { name: 'Filter' }).nth(1).click();
    await view.getByLabel('Filter operator').selectOption('contains');
    await view.getByLabel('Filter value').fill('abcd');
    await view.getByRole('button', { name: 'Apply filter' }).click();
    await status.filter({ hasText: 'Counting rows' }).waitFor({ timeout: 60000 });
    // In the notebook's last (empty) cell: clicking the explorer made the result's cell active.
    await page.locator('.jp-NotebookPanel:visible .jp-Cell').last().locator('.cm-content').click();
    await page.keyboard.type("SELECT reflect('java.lang.Thread', 'sleep', bigint(3000)) AS slept");
    await page.keyboard.press('Shift+Enter');
    await status.filter({ hasText: 'Paused while a cell runs' }).waitFor({ timeout: 15000 });
    await page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'slept' }).last()
      .waitFor({ timeout: 30000 });
    await view.locator('.spark-sql-explorer-range', { hasText: /of [\d,]+ \(filtered\)/ })
      .waitFor({ timeout: 180000 });
  });
}

/** The explorer over a 1e7-row result: pages, sort, filter, counts, export, restart. */
async function exploreSteps(page) {
  const view = page.locator('.jp-NotebookPanel:visible .spark-sql-explorer').last();
  const range = view.locator('.spark-sql-explorer-range');
  const firstCell = () => view.locator('tbody tr').first().locator('td').first().textContent();
  await step('a 1e7-row result opens in the explorer and counts its rows on the server', async () => {
    await runInActiveCell(page, 'SELECT id, id % 1000 AS g, concat(\'row \', id) AS label ' +
      'FROM range(0, 10000000, 1, 8)');
    await page.locator('.jp-NotebookPanel:visible .spark-sql-explorer-range', { hasText: 'of 10,000,000' })
      .last().waitFor({ timeout: 120000 });
    check((await range.textContent()).startsWith('Rows 1–100 of 10,000,000'), await range.textContent());
    // Its footer names the result (_N) and its receipt, as the static table's does.
    const label = await view.locator('.spark-sql-explorer-label').textContent();
    check(/^_\d+ · q-[0-9a-f]{12}$/.test(label), label);
  });
  await step('Next page, Last page and Previous page move over the whole result', async () => {
    await view.getByRole('button', { name: 'Next page' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'Rows 101–200' }).waitFor({ timeout: 30000 });
    check((await firstCell()) === '100', `first cell ${await firstCell()}`);
    await view.getByRole('button', { name: 'Last page' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'Rows 9,999,901–10,000,000' })
      .waitFor({ timeout: 30000 });
    await view.getByRole('button', { name: 'Previous page' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'Rows 9,999,801–9,999,900' })
      .waitFor({ timeout: 30000 });
    check((await firstCell()) === '9999800', `first cell ${await firstCell()}`);
    await view.getByRole('button', { name: 'First page' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'Rows 1–100' }).waitFor({ timeout: 30000 });
  });
  await step('Sort descending by a column sorts the whole result on the server', async () => {
    await view.getByRole('button', { name: 'Sort descending' }).first().click();
    await page.waitForFunction(
      (el) => el.querySelector('tbody td')?.textContent === '9999999', await view.elementHandle(), { timeout: 60000 });
  });
  await step('a filter keeps the matching rows and counts them', async () => {
    await view.getByRole('button', { name: 'Filter' }).nth(1).click();
    await view.getByLabel('Filter operator').selectOption('equals');
    await view.getByLabel('Filter value').fill('7');
    await view.getByRole('button', { name: 'Apply filter' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'of 10,000 (filtered)' }).waitFor({ timeout: 60000 });
    check((await firstCell()) === '9999007', `first cell ${await firstCell()}`);
    await view.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUT_DIR, 'explorer.png') });
  });
  await step('Summary gives each column\'s nulls, distinct values and bounds over the filtered rows', async () => {
    await view.getByRole('button', { name: 'Summary' }).click();
    const summary = view.locator('table.spark-sql-explorer-summary');
    await summary.waitFor({ timeout: 60000 });
    const rows = await summary.locator('tr').evaluateAll((trs) =>
      trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    // column, type, nulls, distinct (approx.), min, max
    check(JSON.stringify(rows[0]) === JSON.stringify(['id', 'bigint', '0', rows[0][3], '7', '9999007']) &&
      Math.abs(Number(rows[0][3]) - 10000) < 1000, `id ${JSON.stringify(rows[0])}`);
    check(JSON.stringify(rows[1]) === JSON.stringify(['g', 'bigint', '0', '1', '7', '7']), `g ${JSON.stringify(rows[1])}`);
    check((await view.textContent()).includes('10,000 rows'), 'the summary counts 10,000 rows');
  });
  await step('the explorer in the dark theme', async () => {
    await chooseTheme(page, 'Dark');
    await view.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(OUT_DIR, 'explorer-dark.png') });
    await chooseTheme(page, 'Light');
  });
  await step('Copy row copies the row as TSV with the column names', async () => {
    await view.getByRole('button', { name: 'Copy row' }).first().click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    check(copied === 'id\tg\tlabel\n9999007\t7\trow 9999007\n', `clipboard ${JSON.stringify(copied)}`);
  });
  await step('Export writes the sorted, filtered result through the kernel', async () => {
    await view.getByRole('button', { name: 'Export' }).click();
    await view.getByRole('button', { name: 'Start export' }).click();
    await view.locator('.spark-sql-explorer-status', { hasText: 'Exported 10000 rows' }).waitFor({ timeout: 60000 });
  });
  await step('re-running the cell gives a new view over the whole result', async () => {
    const cell = page.locator('.jp-NotebookPanel:visible .jp-CodeCell', { hasText: 'range(0, 10000000, 1, 8)' }).last();
    await cell.locator('.cm-content').click();
    await page.keyboard.press('Shift+Enter');
    await page.locator('.jp-NotebookPanel:visible .spark-sql-explorer-range', { hasText: 'Rows 1–100 of 10,000,000' })
      .last().waitFor({ timeout: 120000 });
    check(!(await range.textContent()).includes('filtered'), await range.textContent());
  });
  await step('after a kernel restart the view says to re-run the cell over its rows', async () => {
    await page.locator('.jp-NotebookPanel:visible [data-command="notebook:restart-kernel"]').first().click();
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await view.locator('.spark-sql-explorer-status', { hasText: 'Re-run the cell' }).waitFor({ timeout: 60000 });
    check(await view.getByRole('button', { name: 'Next page' }).isDisabled(), 'Next page still enabled');
    check((await view.locator('tbody tr').count()) > 0, 'the rows are gone');
  });
}

/** JupyterHub shaped like BERDL's: log in, the user's server starts, the Launcher's kernel runs
 * %whoami (the spawner's user) and a query against the run's Spark. */
async function hubMode(page) {
  const { HUB_URL, HUB_USER, HUB_PASSWORD } = process.env;
  await step('the hub\'s login page takes the user in and starts their server', async () => {
    await page.goto(`${HUB_URL}/hub/login`);
    await page.locator('input[name="username"]').fill(HUB_USER);
    await page.locator('input[name="password"]').fill(HUB_PASSWORD);
    await page.locator('input[type="submit"], button[type="submit"]').first().click();
    await page.waitForURL(new RegExp(`/user/${HUB_USER}/lab`), { timeout: 150000 });
    await page.locator('.jp-Launcher').first().waitFor({ timeout: 90000 });
    await dismissNews(page);
  });
  const card = page.locator('.jp-LauncherCard[data-category="Notebook"]', { hasText: DISPLAY_NAME });
  await step(`the Launcher offers "${DISPLAY_NAME}" and it starts`, async () => {
    await card.waitFor({ timeout: 30000 });
    await page.screenshot({ path: path.join(OUT_DIR, 'hub-1-launcher.png') });
    await card.click();
    await page.locator('.jp-NotebookPanel:visible .jp-Toolbar-kernelName', { hasText: DISPLAY_NAME })
      .waitFor({ timeout: 30000 });
    await page.getByText(`${DISPLAY_NAME} | Idle`).first().waitFor({ timeout: 60000 });
  });
  await step('%whoami names the spawner\'s KBase user', async () => {
    await runInActiveCell(page, '%whoami');
    const identity = page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output', { hasText: 'KBase user' });
    await identity.first().waitFor({ timeout: 60000 });
    const text = await identity.first().textContent();
    check(text.includes(HUB_USER), `whoami ${text}`);
    await page.screenshot({ path: path.join(OUT_DIR, 'hub-2-whoami.png') });
  });
  await step('a query against the run\'s Spark shows its table', async () => {
    await runInActiveCell(page, "SELECT 'from the hub' AS place, 6 * 7 AS answer");
    const table = page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'from the hub' });
    await table.first().waitFor({ timeout: 90000 });
    const got = await tableContents(table.first());
    check(JSON.stringify(got.rows.map((r) => r.map((c) => c.text))) === JSON.stringify([['from the hub', '42']]),
      `cells ${JSON.stringify(got.rows)}`);
    await page.screenshot({ path: path.join(OUT_DIR, 'hub-3-table.png') });
  });
}

async function tourMode(page) {
  await step('the executed tour opens in JupyterLab', async () => {
    await page.goto(`${LAB_URL}/lab/workspaces/w${Date.now()}/tree/tour.ipynb?reset&token=${LAB_TOKEN}`);
    await page.locator('.jp-NotebookPanel:visible table.spark-sql-table').first().waitFor({ timeout: 60000 });
    await dismissNews(page);
    await page.waitForFunction(() => document.fonts.status === 'loaded', null, { timeout: 15000 });
  });
  const shots = [['tour-tables', 'ORDER BY size_mb DESC'], ['tour-types', 'AS numbers(boolean'],
    ['tour-nested', 'named_struct(\'id\', 7'], ['tour-charts', 'Genes listed per genome']];
  const shoot = async (name, marker) => {
    await step(`screenshot ${name}`, async () => {
      const cell = page.locator('.jp-NotebookPanel:visible .jp-CodeCell', { hasText: marker }).first();
      await cell.evaluate((c) => c.scrollIntoView({ block: 'start' }));
      // Scrolled into place: the cell's top is in the upper half of the window.
      await page.waitForFunction((c) => {
        const top = c.getBoundingClientRect().top;
        return top >= 0 && top < window.innerHeight / 2;
      }, await cell.elementHandle(), { timeout: 15000 });
      await page.screenshot({ path: path.join(OUT_DIR, `${name}.png`) });
    });
  };
  for (const [name, marker] of shots) {
    await shoot(name, marker);
  }
  await step('screenshot sidebar (the catalog beside the notebook)', async () => {
    await page.getByRole('tab', { name: 'Spark catalog' }).click();
    const tree = page.getByRole('tree', { name: 'Spark catalog' });
    await tree.getByRole('treeitem', { name: /^spark_catalog, catalog/ }).click();
    await tree.getByRole('treeitem', { name: /^default, namespace/ }).click();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(OUT_DIR, 'sidebar.png') });
    await page.getByRole('tab', { name: 'Spark catalog' }).click();
  });
  await step('the dark theme (Settings → Theme → JupyterLab Dark)', () => chooseTheme(page, 'Dark'));
  await shoot('tour-types-dark', 'AS numbers(boolean');
}

/** Settings → Theme → JupyterLab `name` ('Light' or 'Dark'), waiting until the notebook shows it. */
async function chooseTheme(page, name) {
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Settings$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Theme$/ }).hover();
  await page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^JupyterLab ${name}$`) }).click();
  const light = name === 'Light';
  await page.waitForFunction((light) => document.body.dataset.jpThemeLight === String(light) &&
    (getComputedStyle(document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook'))
      .backgroundColor === 'rgb(255, 255, 255)') === light, light, { timeout: 15000 });
  // JupyterLab shows its splash over the page while the theme loads.
  await page.locator('#jupyterlab-splash').waitFor({ state: 'detached', timeout: 15000 });
}

/** Notebook 7: a notebook's query result opens in the explorer and pages on the server. */
async function notebook7Mode(page) {
  await step('Notebook 7 opens the notebook on the kernel', async () => {
    await page.goto(`${LAB_URL}/notebooks/explore.ipynb?token=${LAB_TOKEN}`);
    await page.locator('.jp-NotebookPanel .jp-Cell .cm-content').first().waitFor({ timeout: 60000 });
    await page.locator('.jp-NotebookPanel .jp-Toolbar-kernelName', { hasText: DISPLAY_NAME })
      .waitFor({ timeout: 30000 });
  });
  const range = page.locator('.jp-NotebookPanel .spark-sql-explorer-range');
  await step('running the cell shows the explorer with the count from the server', async () => {
    // A cell run before the kernel is connected may be dropped: run it again until it shows.
    for (let attempt = 0; attempt < 4; attempt += 1) {
      await page.locator('.jp-NotebookPanel .jp-Cell .cm-content').first().click();
      await page.keyboard.press('Shift+Enter');
      const shown = await range.first().waitFor({ timeout: 20000 }).then(() => true, () => false);
      if (shown) {
        break;
      }
    }
    await page.locator('.jp-NotebookPanel .spark-sql-explorer-range', { hasText: 'of 1,000,000' })
      .first().waitFor({ timeout: 60000 });
  });
  await step('Next page and Sort descending run on the server', async () => {
    const view = page.locator('.jp-NotebookPanel .spark-sql-explorer').first();
    await view.getByRole('button', { name: 'Next page' }).click();
    await view.locator('.spark-sql-explorer-range', { hasText: 'Rows 101–200' }).waitFor({ timeout: 30000 });
    await view.getByRole('button', { name: 'Sort descending' }).first().click();
    await page.waitForFunction(
      (el) => el.querySelector('tbody td')?.textContent === '999999', await view.elementHandle(), { timeout: 60000 });
    await page.screenshot({ path: path.join(OUT_DIR, 'notebook7-explorer.png') });
  });
}

async function main() {
  check(LAB_URL && LAB_TOKEN && OUT_DIR, 'LAB_URL, LAB_TOKEN and OUT_DIR are set');
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: LAB_URL });
  const page = await context.newPage();
  try {
    if (MODE === 'tour') {
      await tourMode(page);
    } else if (MODE === 'hub') {
      await hubMode(page);
    } else if (MODE === 'notebook7') {
      await notebook7Mode(page);
    } else if (MODE === 'bench-sidebar') {
      await openNotebook(page);
      await workbench.benchSidebar(page, { runInActiveCell });
    } else {
      await testMode(page);
    }
  } catch (error) {
    await page.screenshot({ path: path.join(OUT_DIR, 'failure.png') }).catch(() => {});
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error.stack || String(error));
  process.exit(1);
});
