import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../../bin/mcshell.js', import.meta.url));

function mcshell(args: string[], options: { input?: string; env?: Record<string, string>; cwd?: string } = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    input: options.input ?? '',
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '', FORCE_COLOR: '', ...options.env },
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mcshell-cli-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('-c runs a command line; not on a terminal the output is JSON lines', () => {
  const r = mcshell(['-c', '1..10 | Where-Object { $_ % 2 -eq 0 } | Measure-Object -Sum']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { Count: 5, Sum: 30 });
  const commands = mcshell(['-c', 'Get-Command']);
  const lines = commands.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.some((c) => c.Name === 'Where-Object' && c.CommandType === 'Cmdlet'));
});

test('--output text|json|jsonl|csv', () => {
  const text = mcshell(['-c', "1..10 | Measure-Object -Sum", '--output', 'text']);
  assert.match(text.stdout, /^Count Sum\n----- ---\n   10  55\n$/);
  const json = mcshell(['--output', 'json', '-c', "[pscustomobject]@{A=1}, [pscustomobject]@{A=2}"]);
  assert.deepEqual(JSON.parse(json.stdout), [{ A: 1 }, { A: 2 }]);
  assert.deepEqual(JSON.parse(mcshell(['-o', 'json', '-c', '$null = 1']).stdout), []);
  const csv = mcshell(['-o', 'csv', '-c', "[pscustomobject]@{A=1; B='x,y'}"]);
  assert.equal(csv.stdout, 'A,B\n1,"x,y"\n');
  assert.equal(mcshell(['-o', 'jsonl', '-c', "'a', 1"]).stdout, '"a"\n1\n');
});

test('piped output: objects as JSON lines, text a pipeline formatted (ConvertTo-Json/Csv, Format-*, Out-String, Get-Help) as that text', () => {
  withDir((dir) => {
    const site = join(dir, 'site');
    writeFileSync(join(dir, 'a.img'), 'image');
    assert.equal(mcshell(['--site', site, '-c', 'Import-OSImage a.img -Name Win11 | Out-Null'], { cwd: dir }).code, 0);
    // `mcshell -c 'Get-OSImage | ConvertTo-Json' | jq .Name`
    const json = mcshell(['--site', site, '-c', 'Get-OSImage | ConvertTo-Json']);
    assert.equal(JSON.parse(json.stdout).Name, 'Win11');
    assert.match(json.stdout, /^\{\n  "Id": "IMG00001",\n/);
    assert.deepEqual(mcshell(['--site', site, '-c', 'Get-OSImage | ConvertTo-Csv -UseQuotes AsNeeded']).stdout.split('\n')[0]!.split(',').slice(0, 2), ['Id', 'Name']);
    assert.match(mcshell(['--site', site, '-c', 'Get-OSImage | Format-Table Name, SizeBytes']).stdout, /^Name {2}SizeBytes\n---- {2}---------\nWin11 +5\n$/);
    assert.match(mcshell(['--site', site, '-c', 'Get-OSImage | Format-List Name']).stdout, /^Name : Win11\n$/);
    assert.match(mcshell(['--site', site, '-c', 'Get-OSImage | Select-Object Name | Out-String']).stdout, /^Name\n----\nWin11\n$/);
    assert.match(mcshell(['-c', 'Get-Help Get-Date']).stdout, /^NAME\n    Get-Date\n/);
    // Objects and other strings stay JSON lines, in the same output; `-o jsonl` asks for JSON lines only.
    const mixed = mcshell(['--site', site, '-c', "Get-OSImage | Select-Object Name; 'plain'; Get-OSImage | ConvertTo-Json -Compress; '{}'"]);
    assert.deepEqual(mixed.stdout.trimEnd().split('\n').map((l) => JSON.parse(l)), [{ Name: 'Win11' }, 'plain', JSON.parse(mixed.stdout.split('\n')[2]!), '{}']);
    assert.equal(JSON.parse(mixed.stdout.split('\n')[2]!).Name, 'Win11');
    const strict = mcshell(['--site', site, '-o', 'jsonl', '-c', 'Get-OSImage | ConvertTo-Json -Compress']);
    assert.equal(JSON.parse(JSON.parse(strict.stdout)).Name, 'Win11');
  });
});

test('text output: more than four properties is a list; colour only when asked and never with NO_COLOR', () => {
  const list = mcshell(['-o', 'text', '-c', '[pscustomobject]@{A=1;B=2;C=3;D=4;E=5}']);
  assert.match(list.stdout, /^A : 1\nB : 2\nC : 3\nD : 4\nE : 5\n$/);
  const forced = mcshell(['-o', 'text', '-c', '[pscustomobject]@{A=1}'], { env: { FORCE_COLOR: '1' } });
  assert.match(forced.stdout, /\x1b\[32m/);
  const noColor = mcshell(['-o', 'text', '-c', '[pscustomobject]@{A=1}'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.doesNotMatch(noColor.stdout, /\x1b\[/);
});

test('errors go to stderr as one line with the id and a caret; exit code 1', () => {
  const r = mcshell(['-c', "'before'; Get-Comand; 'after'"]);
  assert.equal(r.code, 1);
  assert.deepEqual(r.stdout.trim().split('\n'), ['"before"', '"after"']);
  const [first, source, caret] = r.stderr.trimEnd().split('\n');
  assert.match(first!, /^<command line>:1:11: The term 'Get-Comand' is not recognized .* Did you mean Get-Command\? \[CommandNotFound\]$/);
  assert.equal(source, "'before'; Get-Comand; 'after'");
  assert.equal(caret, '          ^^^^^^^^^^');
});

test('--error-format json, and JSON errors with --output json', () => {
  const r = mcshell(['--error-format', 'json', '-c', 'Sort-Object -Bogus']);
  const e = JSON.parse(r.stderr).error;
  assert.equal(e.id, 'NamedParameterNotFound,Sort-Object');
  assert.equal(e.location.line, 1);
  const viaOutput = mcshell(['-o', 'json', '-c', "Write-Error 'x'"]);
  assert.equal(JSON.parse(viaOutput.stderr).error.id, 'WriteError,Write-Error');
});

test('a syntax error on line 7 reports line 7 with a caret, runs nothing, exits 2', () => {
  withDir((dir) => {
    const script = join(dir, 'broken.mcs');
    writeFileSync(script, ["'x' | Out-File ran.txt", '$a = 1', '', '# comment', 'Write-Output $a', '', 'if ($a -gt 0 { "yes" }', ''].join('\n'));
    const r = mcshell([script], { cwd: dir });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, new RegExp(`^${script.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:7:\\d+: `));
    assert.match(r.stderr, /\nif \(\$a -gt 0 \{ "yes" \}\n\s*\^/);
    assert.equal(existsSync(join(dir, 'ran.txt')), false, 'nothing of the script ran');
  });
});

test('a script file binds its param() block from the command line', () => {
  withDir((dir) => {
    const script = join(dir, 'deploy.mcs');
    writeFileSync(script, 'param([Parameter(Mandatory)][string]$Image, [int]$Clients = 10, [switch]$Force)\n"$Image/$Clients/$Force"\n');
    assert.equal(mcshell([script, '-Image', 'win11', '-Clients', '40', '-Force']).stdout, '"win11/40/True"\n');
    assert.equal(mcshell([script, 'ubuntu']).stdout, '"ubuntu/10/False"\n');
    const missing = mcshell([script]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /MissingMandatoryParameter/);
    const badType = mcshell([script, '-Image', 'x', '-Clients', 'many']);
    assert.match(badType.stderr, /-Clients/);
  });
});

test('exit N sets the exit code; a script on stdin runs', () => {
  assert.equal(mcshell(['-c', 'exit 7']).code, 7);
  const r = mcshell([], { input: '1+1\n"two"\n' });
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '2\n"two"\n');
  assert.equal(mcshell([], { input: 'if (' }).code, 2);
});

test('--help, --version, usage errors exit 2', () => {
  const help = mcshell(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /Usage: mcshell/);
  assert.match(help.stdout, /--output/);
  // Every subcommand, and the shell itself, with its one line.
  for (const command of ['serve', 'client', 'demo', 'send', 'receive']) assert.match(help.stdout, new RegExp(`^  mcshell ${command} +\\S.*$`, 'm'), command);
  assert.match(help.stdout, /^  mcshell +The shell\b/m);
  assert.match(mcshell(['--version']).stdout, /^mcshell \d+\.\d+\.\d+\n$/);
  const bad = mcshell(['--nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /Unknown option --nope/);
  assert.equal(mcshell(['--output', 'xml', '-c', '1']).code, 2);
  assert.equal(mcshell(['/nonexistent/script.mcs']).code, 2);
});

test('Write-Host goes to stdout for text and to stderr for machine output', () => {
  assert.equal(mcshell(['-o', 'text', '-c', "Write-Host hi"]).stdout, 'hi\n');
  const json = mcshell(['-o', 'jsonl', '-c', "Write-Host hi; 1"]);
  assert.equal(json.stdout, '1\n');
  assert.equal(json.stderr, 'hi\n');
});

test('send and receive still dispatch to their own commands', () => {
  const r = mcshell(['send', '--help']);
  assert.doesNotMatch(r.stderr + r.stdout, /Usage: mcshell \[options\] \[script\.mcs/);
});

test('-c and script runs never load the UI: no module reachable from the shell imports ink or react', () => {
  // Walks static and literal dynamic imports from the entry point (send/receive excluded: they are their own commands;
  // src/ui excluded: only the interactive prompt and live views load it — test/ui/startup.test.ts checks the loaded modules).
  const dist = fileURLToPath(new URL('../../', import.meta.url));
  const seen = new Set<string>();
  const bare = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) {
        const target = join(dirname(file), spec);
        if (!target.includes(`${join('cli', 'commands')}`) && !target.includes(join('src', 'ui'))) visit(target);
      } else bare.add(spec.split('/')[0]!);
    }
  };
  // main.js picks the shell's module at run time: the bundle for script runs, the compiled shell for the interactive one.
  for (const entry of [join('src', 'cli', 'main.js'), join('src', 'cli', 'shell.js'), join('bundle', 'shell.js')]) visit(join(dist, entry));
  assert.ok(seen.size > 20, 'the walk reached the runtime and the cmdlets');
  assert.ok([...seen].some((f) => f.includes(`${join('bundle', 'chunk-')}`)), 'the walk reached the bundle\'s chunks');
  assert.ok(!bare.has('ink') && !bare.has('react'), `imports: ${[...bare].join(', ')}`);
});

test('script runs load the shell bundle, and no compiled runtime module beside it (one copy of each)', () => {
  // Loader hooks that print every module URL loaded.
  const hooks = `export async function load(url, context, next) { process.stderr.write('LOADED ' + url + '\\n'); return next(url, context); }`;
  const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
  const dist = fileURLToPath(new URL('../../', import.meta.url));
  for (const args of [['-c', '1..3 | Where-Object { $_ -gt 1 } | Measure-Object'], ['-']]) {
    const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, bin, ...args], { encoding: 'utf8', input: 'Get-Command | Measure-Object', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const loaded = [...r.stderr.matchAll(/^LOADED file:\/\/(.*)$/gm)].map((m) => m[1]!);
    assert.ok(loaded.includes(join(dist, 'bundle/shell.js')), `the bundle runs ${args.join(' ')}`);
    const compiled = loaded.filter((f) => f.startsWith(join(dist, 'src/')) && !/\/src\/cli\/(main|options)\.js$/.test(f) && !f.endsWith('/src/runtime/cmdlet.js'));
    assert.deepEqual(compiled, [], 'only the entry, the option parser and the manifest reader come from the compiled modules');
  }
});

test('a script that ends stops its background jobs, as PowerShell\'s process exit does: mcshell exits', () => {
  const r = mcshell(['-o', 'text', '-c', '$j = Start-Job { while ($true) { } }; Start-Job { Start-Sleep 600 } | Out-Null; $j.State']);
  assert.deepEqual([r.code, r.stdout.trim(), r.stderr], [0, 'Running', '']);
});
