import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { commands } from '../../cmdlets/index.js';
import { renderText } from '../../src/format/text.js';
import { createStyle } from '../../src/format/style.js';
import { run } from '../runtime/harness.js';

const cmdletsDir = fileURLToPath(new URL('../../../cmdlets/', import.meta.url));

test('the registry and the cmdlet files agree: one file per cmdlet, same name and aliases', async () => {
  const files = readdirSync(cmdletsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => readdirSync(join(cmdletsDir, d.name)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)));
  assert.deepEqual([...files].sort(), commands.map((c) => c.name).sort());
  const seen = new Set<string>();
  for (const entry of commands) {
    const decl = (await entry.load()).default;
    assert.equal(decl.name, entry.name);
    assert.deepEqual([...(decl.aliases ?? [])], [...entry.aliases], `aliases of ${entry.name}`);
    assert.match(decl.name, /^[A-Z][A-Za-z]+-[A-Z][A-Za-z]+$/);
    assert.ok(decl.synopsis.length > 10, `${entry.name} has a synopsis`);
    assert.ok(decl.examples.length > 0, `${entry.name} has examples`);
    for (const name of [entry.name, ...entry.aliases]) {
      assert.ok(!seen.has(name.toLowerCase()), `${name} is registered once`);
      seen.add(name.toLowerCase());
    }
    for (const [pname, p] of Object.entries(decl.parameters)) assert.ok(p.description.length > 0, `${entry.name} -${pname} has a description`);
  }
});

// Every declared example runs and meets its declared expectation.
for (const entry of commands) {
  test(`examples of ${entry.name}`, async () => {
    const decl = (await entry.load()).default;
    for (const example of decl.examples) {
      const cwd = mkdtempSync(join(tmpdir(), 'mcshell-example-'));
      try {
        const r = await run(example.code, { cwd, file: `${entry.name} example` });
        const label = `${entry.name}: ${example.title}`;
        if (example.error) {
          assert.equal(r.errors[0]?.id, example.error, label);
          continue;
        }
        assert.deepEqual(r.errors.map((e) => e.message), [], label);
        if (example.output) assert.deepEqual(r.data, example.output, label);
        if (example.outputMatches) {
          const text = renderText(r.output, { columns: 120, style: createStyle(false), views: r.session.views }).join('\n');
          assert.match(text, example.outputMatches, label);
        }
        assert.ok(example.output || example.outputMatches, `${label} declares an expectation`);
      } finally {
        rmSync(cwd, { recursive: true, force: true });
      }
    }
  });
}
