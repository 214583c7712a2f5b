// The file-system cmdlets against real files in a temporary directory. Expected behaviour from
// PowerShell's docs (MicrosoftDocs/PowerShell-Docs reference/7.4/Microsoft.PowerShell.Management/
// *-Item.md, *-Path.md, *-Location.md, Get-ChildItem.md) and the FileSystem provider's messages
// (System.Management.Automation resources: ItemNotFound "Cannot find path '{0}' because it does not exist.").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, values } from '../runtime/harness.js';

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mcshell-fs-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  'Set-Location moves the location every later relative path resolves against, and $PWD follows',
  withDir(async (dir) => {
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'f.txt'), 'in sub\n');
    assert.deepEqual(await values("cd sub; Get-Content f.txt; Test-Path f.txt; $PWD -eq (Get-Location).Path; Split-Path (pwd) -Leaf; Set-Content g.txt 'g'", { cwd: dir }), ['in sub', true, true, 'sub']);
    assert.equal(readFileSync(join(dir, 'sub', 'g.txt'), 'utf8'), 'g\n');
    const r = await run('Set-Location nowhere', { cwd: dir });
    assert.equal(r.errors[0]?.fullyQualifiedId, 'PathNotFound,Set-Location');
    assert.equal(r.errors[0]?.message, `Cannot find path '${join(dir, 'nowhere')}' because it does not exist.`);
  }),
);

test(
  'Test-Path: files, directories, -PathType, wildcards; an empty path is $false, a null one an error (Test-Path.Tests.ps1)',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'a.log'), '');
    mkdirSync(join(dir, 'd'));
    assert.deepEqual(
      await values("Test-Path a.log; Test-Path b.log; Test-Path d -PathType Container; Test-Path a.log -PathType Container; Test-Path *.log; Test-Path ''", { cwd: dir }),
      [true, false, true, false, true, false],
    );
    assert.equal((await run('Test-Path $null', { cwd: dir })).errors.length, 1);
  }),
);

test('Join-Path and Split-Path: one separator at the seam; parent, leaf, extension (Join-Path.md, Split-Path.md examples)', async () => {
  assert.deepEqual(await values("Join-Path 'path' 'childpath'; Join-Path 'path/' '/childpath'; Join-Path a b c d"), ['path/childpath', 'path/childpath', 'a/b/c/d']);
  assert.deepEqual(await values("Split-Path '/usr/share/doc/x.md'; Split-Path '/usr/share/doc/x.md' -Leaf; Split-Path x.md -Extension; Split-Path x.md"), ['/usr/share/doc', 'x.md', '.md', '']);
});

test(
  'Get-ChildItem: directories first, hidden items only with -Force, -Recurse -Name gives relative paths, a missing path is ItemNotFound',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'b.txt'), 'bb');
    writeFileSync(join(dir, '.hidden'), '');
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'c.wim'), 'c');
    assert.deepEqual(await values('Get-ChildItem -Name', { cwd: dir }), ['a', 'b.txt']);
    assert.deepEqual(await values('Get-ChildItem -Name -Force', { cwd: dir }), ['a', '.hidden', 'b.txt']);
    assert.deepEqual(await values('Get-ChildItem -Recurse -Name', { cwd: dir }), ['a', 'b.txt', 'a/c.wim']);
    // Get-ChildItem.md: `-Path C:\Test\*.txt -Recurse` finds the .txt files in every subdirectory.
    assert.deepEqual(await values('(Get-ChildItem -Recurse -File *.wim).FullName', { cwd: dir }), [join(dir, 'a', 'c.wim')]);
    assert.deepEqual(await values('Get-ChildItem -Recurse -Filter *.wim | ForEach-Object FullName', { cwd: dir }), [join(dir, 'a', 'c.wim')]);
    assert.deepEqual(await values('$f = Get-ChildItem b.txt; $f.Length; $f.Extension; $f.BaseName; $f.PSIsContainer; $f.DirectoryName -eq $PWD', { cwd: dir }), [2, '.txt', 'b', false, true]);
    const r = await run('Get-ChildItem missing', { cwd: dir });
    assert.equal(r.errors[0]?.fullyQualifiedId, 'PathNotFound,Get-ChildItem');
    assert.equal(r.errors[0]?.category, 'ObjectNotFound');
  }),
);

test(
  'New-Item: file with -Value, nested directories, existing file and directory errors as PowerShell words them',
  withDir(async (dir) => {
    assert.deepEqual(await values("(New-Item n.txt -Value 'v').Name; (New-Item -ItemType Directory x/y/z).Name; (New-Item -ItemType Directory x/y/z -Force).Name", { cwd: dir }), ['n.txt', 'z', 'z']);
    assert.equal(readFileSync(join(dir, 'n.txt'), 'utf8'), 'v');
    const file = await run('New-Item n.txt', { cwd: dir });
    assert.equal(file.errors[0]?.fullyQualifiedId, 'NewItemIOError,New-Item');
    assert.equal(file.errors[0]?.message, `The file '${join(dir, 'n.txt')}' already exists.`);
    const folder = await run('New-Item -ItemType Directory x', { cwd: dir });
    assert.equal(folder.errors[0]?.fullyQualifiedId, 'DirectoryExist,New-Item');
    assert.deepEqual(await values("New-Item n.txt -Value 'w' -Force | Out-Null; Get-Content n.txt", { cwd: dir }), ['w']);
    assert.deepEqual((await run('New-Item q.txt -WhatIf', { cwd: dir })).output, []);
    assert.equal(existsSync(join(dir, 'q.txt')), false);
  }),
);

test(
  'Remove-Item: files by wildcard, a non-empty directory only with -Recurse, a missing path is an error',
  withDir(async (dir) => {
    writeFileSync(join(dir, '1.tmp'), '');
    writeFileSync(join(dir, '2.tmp'), '');
    writeFileSync(join(dir, 'keep.txt'), '');
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'x'), '');
    assert.deepEqual(await values('Remove-Item *.tmp; Get-ChildItem -Name', { cwd: dir }), ['d', 'keep.txt']);
    const refused = await run('Remove-Item d', { cwd: dir });
    assert.equal(refused.errors[0]?.id, 'DirectoryNotEmpty');
    assert.ok(existsSync(join(dir, 'd', 'x')), 'nothing was deleted');
    assert.deepEqual(await values('Remove-Item d -Recurse; Test-Path d', { cwd: dir }), [false]);
    assert.equal((await run('Remove-Item gone.txt', { cwd: dir })).errors[0]?.fullyQualifiedId, 'PathNotFound,Remove-Item');
  }),
);

test(
  'Copy-Item and Move-Item: into a directory keeps the name; a directory without -Recurse copies empty; Move-Item refuses to overwrite',
  withDir(async (dir) => {
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'f.txt'), 'f');
    mkdirSync(join(dir, 'dest'));
    assert.deepEqual(await values('Copy-Item src/f.txt dest; Get-ChildItem dest -Name', { cwd: dir }), ['f.txt']);
    assert.deepEqual(await values('Copy-Item src empty; Get-ChildItem empty -Name; Copy-Item src full -Recurse; Get-ChildItem full -Name', { cwd: dir }), ['f.txt']);
    assert.deepEqual(await values('Move-Item full/f.txt renamed.txt; Test-Path full/f.txt; Get-Content renamed.txt', { cwd: dir }), [false, 'f']);
    const clash = await run('Move-Item renamed.txt src/f.txt', { cwd: dir });
    assert.equal(clash.errors[0]?.fullyQualifiedId, 'MoveFileInfoItemIOError,Move-Item');
    assert.deepEqual(await values('Move-Item renamed.txt src/f.txt -Force; Get-Content src/f.txt; Test-Path renamed.txt', { cwd: dir }), ['f', false]);
  }),
);

test(
  'Resolve-Path: full paths as PathInfo (the path in text), -Relative as ./x, wildcards expanded',
  withDir(async (dir) => {
    writeFileSync(join(dir, 'a.log'), '');
    writeFileSync(join(dir, 'b.log'), '');
    assert.deepEqual(await values('(Resolve-Path a.log).Path; "$(Resolve-Path a.log)"; Resolve-Path *.log -Relative', { cwd: dir }), [join(dir, 'a.log'), join(dir, 'a.log'), './a.log', './b.log']);
  }),
);
