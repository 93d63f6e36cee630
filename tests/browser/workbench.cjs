// The SQL workbench in JupyterLab, by role and name: Format SQL, the catalog sidebar (the
// configured catalogs, a nested struct's fields, Details, Preview in the explorer, Insert, the
// keyboard, the filter among 20,000 tables, the dark theme) and the history panel. Steps for
// tests/browser/jupyterlab.cjs (mode "test"); `benchSidebar` times the sidebar for
// scripts/bench_sidebar.py.
'use strict';

const path = require('path');

/** The lines of the notebook's active cell, as its editor shows them. */
async function activeCellLines(page) {
  return page.evaluate(() => {
    const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active');
    return [...cell.querySelectorAll('.cm-line')].map((line) => line.textContent);
  });
}

/** Format SQL from the cell's context menu and from Shift+Alt+F; a second Format changes nothing. */
async function formatSteps(page, { step, check, OUT_DIR }) {
  const editor = page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active .cm-content');
  const laidOut = ['select', '  id,', '  id * 2 as twice', 'from', '  range(3)', 'where', '  id > 0'];
  await step('Format SQL in the cell\'s context menu lays out the cell', async () => {
    await editor.click();
    await page.keyboard.type('select id, id * 2 as twice from range(3) where id > 0');
    await editor.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Format SQL' }).click();
    await page.waitForFunction((want) => {
      const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active');
      const lines = [...cell.querySelectorAll('.cm-line')].map((line) => line.textContent);
      return JSON.stringify(lines) === want;
    }, JSON.stringify(laidOut), { timeout: 15000 });
  });
  await step('Shift+Alt+F a second time changes nothing, and the cell still runs', async () => {
    await editor.click();
    await page.keyboard.press('Shift+Alt+F');
    await page.waitForTimeout(1000);
    const lines = await activeCellLines(page);
    check(JSON.stringify(lines) === JSON.stringify(laidOut), `lines ${JSON.stringify(lines)}`);
    await page.keyboard.press('Shift+Enter');
    await page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'twice' }).first()
      .waitFor({ timeout: 30000 });
  });
  await step('Shift+Alt+F formats a cell from the keyboard', async () => {
    await editor.click();
    await page.keyboard.type('%limit 5\nselect 1 as one, 2 as two');
    await page.keyboard.press('Shift+Alt+F');
    await page.waitForFunction(() => {
      const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active');
      const lines = [...cell.querySelectorAll('.cm-line')].map((line) => line.textContent);
      return JSON.stringify(lines) === JSON.stringify(['%limit 5', 'select', '  1 as one,', '  2 as two']);
    }, null, { timeout: 15000 });
    await page.screenshot({ path: path.join(OUT_DIR, '7-format.png') });
    // The cell is left empty for the next steps (%limit would hold for the cells after it).
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
  });
}


/** The catalog sidebar and the history panel. */
async function sidebarSteps(page, { step, check, runInActiveCell, chooseTheme, OUT_DIR }) {
  const tree = page.getByRole('tree', { name: 'Spark catalog' });
  const item = (name) => tree.getByRole('treeitem', { name });
  await step('a table with a nested struct is made in a cell', async () => {
    await runInActiveCell(page, 'DROP TABLE IF EXISTS wb_hits;\nCREATE TABLE wb_hits (id INT, ' +
      'hit STRUCT<score: DOUBLE, loc: STRUCT<start: INT, stop: INT>>) USING parquet');
    await page.locator('.jp-NotebookPanel:visible .jp-OutputArea-output', { hasText: 'OK' }).last()
      .waitFor({ timeout: 30000 });
  });
  await step('the catalog sidebar lists the catalogs, configured ones included', async () => {
    await page.getByRole('tab', { name: 'Spark catalog' }).click();
    await item(/^spark_catalog, catalog/).waitFor({ timeout: 30000 });
    for (const name of ['my', 'kbase', 'many']) {
      await item(new RegExp(`^${name}, catalog`)).waitFor({ timeout: 5000 });
    }
  });
  const selected = async (name) =>
    check((await item(name).getAttribute('aria-selected')) === 'true', `${name} is selected`);
  await step('the keyboard opens the tree to a nested struct\'s fields', async () => {
    await item(/^spark_catalog, catalog/).click();
    await item(/^default, namespace/).waitFor({ timeout: 30000 });
    await tree.press('d');
    await tree.press('e');
    await selected(/^default, namespace/);
    await tree.press('ArrowRight');
    await item(/^wb_hits, table/).waitFor({ timeout: 30000 });
    await page.waitForTimeout(800); // a new type-ahead, not "de…" continued
    await tree.press('w');
    await tree.press('b');
    await selected(/^wb_hits, table/);
    await tree.press('Enter');
    await item(/^hit, struct/).waitFor({ timeout: 30000 });
    await tree.press('ArrowDown');
    await tree.press('ArrowDown');
    await selected(/^hit, struct/);
    await tree.press('ArrowRight');
    await item(/^loc, struct<start:int,stop:int>, field/).waitFor({ timeout: 5000 });
    await tree.press('ArrowDown');
    await tree.press('ArrowDown');
    await tree.press('ArrowRight');
    await item(/^start, int, field/).waitFor({ timeout: 5000 });
    check((await item(/^loc, struct/).getAttribute('aria-level')) === '5', 'loc is on level 5');
    await page.screenshot({ path: path.join(OUT_DIR, '8-catalog.png') });
  });
  const table = 'spark_catalog.default.wb_hits';
  await step('Details shows the table\'s provider and location', async () => {
    // A table's actions show on the selected row (and under the pointer).
    await page.waitForTimeout(800);
    await tree.press('w');
    await tree.press('b');
    await selected(/^wb_hits, table/);
    await page.getByRole('button', { name: `Details of ${table}` }).click();
    const details = page.getByRole('region', { name: 'Table details' });
    await details.getByText('parquet').first().waitFor({ timeout: 30000 });
    check((await details.textContent()).includes('Location'), 'details name the location');
  });
  await step('Insert puts the table\'s name at the cursor', async () => {
    const editor = page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active .cm-content');
    await editor.click();
    await page.keyboard.type('SELECT * FROM ');
    await page.getByRole('button', { name: `Insert ${table}` }).click();
    await page.waitForFunction((want) => {
      const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active .cm-content');
      return cell && cell.textContent === want;
    }, `SELECT * FROM ${table}`, { timeout: 10000 });
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
  });
  await step('Preview opens the table in the explorer without a cell', async () => {
    await page.getByRole('button', { name: `Preview ${table}` }).click();
    const tab = page.getByRole('tab', { name: `Preview: ${table}` });
    await tab.waitFor({ timeout: 30000 });
    await page.locator('.spark-sql-preview.spark-sql-explorer').first().waitFor({ timeout: 30000 });
    await tab.locator('.lm-TabBar-tabCloseIcon').click();
    await page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active .cm-content').click();
  });
  await step('the filter finds one table among 20,000 (1,000 namespaces)', async () => {
    const filter = page.getByRole('searchbox', { name: 'Filter the catalog' });
    await filter.fill('0777_13');
    await item(/^many\.ns_0777\.genome_0777_13, table/).waitFor({ timeout: 120000 });
    await page.getByText(/^1 found in [\d,]+ of [\d,]+ namespaces/).waitFor({ timeout: 120000 });
    await filter.fill('');
    await item(/^spark_catalog, catalog/).waitFor({ timeout: 10000 });
  });
  await step('while a cell runs the sidebar says so and still answers', async () => {
    await runInActiveCell(page, '%sleep 6');
    const running = page.locator('.jp-NotebookPanel:visible .jp-Cell .jp-InputPrompt', { hasText: '[*]' });
    await running.first().waitFor({ timeout: 10000 });
    await page.getByRole('status').filter({ hasText: 'A cell is running' }).waitFor({ timeout: 10000 });
    const asked = Date.now();
    await item(/^many, catalog/).click();
    await item(/^ns_0002, namespace/).waitFor({ timeout: 4000 });
    check(await running.count() > 0, 'the cell still runs as the sidebar answers');
    console.log(`     the namespaces of many listed ${Date.now() - asked} ms after the click, beside the cell`);
    await running.first().waitFor({ state: 'detached', timeout: 20000 });
    await item(/^many, catalog/).click();
  });
  await step('the sidebar in the dark theme', async () => {
    await chooseTheme(page, 'Dark');
    const background = await tree.evaluate((t) => getComputedStyle(t.closest('.spark-sql-sidebar')).backgroundColor);
    const [r, g, b] = background.match(/\d+/g).map(Number);
    check(r + g + b < 200, `a dark sidebar: ${background}`);
    await page.screenshot({ path: path.join(OUT_DIR, '9-catalog-dark.png') });
    await chooseTheme(page, 'Light');
  });
  await step('the history panel inserts a past statement as a new cell', async () => {
    await page.getByRole('tab', { name: 'SQL history' }).click();
    const search = page.getByRole('searchbox', { name: 'Search past statements' });
    await search.fill('wb_hits');
    const insert = page.getByRole('button', { name: /^Insert as a new cell: CREATE TABLE wb_hits/ });
    await insert.first().waitFor({ timeout: 30000 });
    await insert.first().click();
    await page.waitForFunction(() => {
      const cell = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell.jp-mod-active .cm-content');
      return cell && cell.textContent.startsWith('CREATE TABLE wb_hits');
    }, null, { timeout: 10000 });
    await page.screenshot({ path: path.join(OUT_DIR, '10-history.png') });
    await page.getByRole('tab', { name: 'SQL history' }).click();
    await page.locator('.jp-NotebookPanel:visible .jp-Cell.jp-mod-active .cm-content').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
  });
}

/** Median of numbers. */
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The sidebar timed in chromium: a cached namespace of the `many` catalog opened (click to its
 * first table drawn), next to what users do today: SHOW TABLES in a cell (run to its table). */
async function benchSidebar(page, { runInActiveCell }) {
  const tree = page.getByRole('tree', { name: 'Spark catalog' });
  const item = (name) => tree.getByRole('treeitem', { name });
  await page.getByRole('tab', { name: 'Spark catalog' }).click();
  await item(/^many, catalog/).click();
  const namespace = item(/^ns_0001, namespace/);
  await namespace.waitFor({ timeout: 60000 });
  await namespace.click();
  const first = item(/^genome_0001_00, table/);
  await first.waitFor({ timeout: 60000 });
  const opens = [];
  for (let run = 0; run < 21; run++) {
    await namespace.click();
    await first.waitFor({ state: 'detached', timeout: 10000 });
    const started = Date.now();
    await namespace.click();
    await first.waitFor({ timeout: 10000 });
    opens.push(Date.now() - started);
  }
  const cells = [];
  for (let run = 0; run < 7; run++) {
    const started = Date.now();
    await runInActiveCell(page, 'SHOW TABLES IN many.ns_0001');
    await page.locator('.jp-NotebookPanel:visible table.spark-sql-table', { hasText: 'genome_0001_19' }).nth(run)
      .waitFor({ timeout: 60000 });
    cells.push(Date.now() - started);
  }
  console.log(`a cached namespace (20 tables of 20,000) opened in the sidebar, p50 of 21: ${median(opens)} ms`);
  console.log(`SHOW TABLES IN the namespace run as a cell, p50 of 7: ${median(cells)} ms`);
}

module.exports = { formatSteps, sidebarSteps, benchSidebar };
