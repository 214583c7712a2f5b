import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defineCmdlet } from '../../src/runtime/cmdlet.js';
import type { CommandEntry } from '../../src/runtime/session.js';
import { commands as core } from '../../cmdlets/index.js';
import { onlyError, run, values } from './harness.js';

// A cmdlet exercising every binding feature; it echoes what it was given.
const probe = defineCmdlet({
  name: 'Set-Probe',
  synopsis: 'Echoes its bound parameters.',
  defaultParameterSet: 'ByName',
  parameters: {
    Name: { type: 'string', position: 0, mandatory: true, sets: ['ByName'], aliases: ['ImageName'], pipeline: 'property', description: 'A name.' },
    Id: { type: 'int', mandatory: true, sets: ['ById'], pipeline: 'property', description: 'An id.' },
    Count: { type: 'int', position: 1, validate: { range: [1, 200] }, aliases: ['MaximumClientCount'], description: 'A count.' },
    Size: { type: 'size', description: 'Bytes.' },
    Ratio: { type: 'number', description: 'A number.' },
    Mode: { type: 'enum', values: ['AutoCast', 'ScheduledCast'], description: 'An enum.' },
    Speed: { type: 'string', validate: { set: ['Slow', 'Medium', 'Fast'] }, description: 'A set.' },
    Mac: { type: 'string', validate: { pattern: '^([0-9a-f]{2}:){5}[0-9a-f]{2}$' }, description: 'A MAC address.' },
    Label: { type: 'string', validate: { notEmpty: true }, description: 'Not empty.' },
    Enabled: { type: 'bool', description: 'A boolean.' },
    At: { type: 'date', description: 'A date.' },
    Tags: { type: 'string[]', description: 'Strings.' },
    Force: { type: 'switch', description: 'A switch.' },
    Verify: { type: 'switch', aliases: ['EnableVerify'], booleanUnder: ['EnableVerify'], description: "A switch ConfigMgr takes as [bool] under -EnableVerify." },
    Descending: { type: 'switch', description: 'Shares a prefix with Description.' },
    Description: { type: 'string', description: 'Shares a prefix with Descending.' },
  },
  examples: [],
  *process(params, ctx) {
    yield { ...params, At: params.At?.toISOString(), Bound: [...ctx.boundParameters].sort() };
  },
});

const pipe = defineCmdlet({
  name: 'Add-Pipe',
  synopsis: 'Pipeline binding by value.',
  parameters: {
    Number: { type: 'int', pipeline: 'value', mandatory: true, description: 'A number from the pipeline.' },
    Offset: { type: 'int', position: 0, default: 0, description: 'Added to it.' },
  },
  examples: [],
  *process(params) {
    yield params.Number + params.Offset;
  },
});

const commands: CommandEntry[] = [
  ...core,
  { name: 'Set-Probe', aliases: [], load: async () => ({ default: probe }) },
  { name: 'Add-Pipe', aliases: [], load: async () => ({ default: pipe }) },
];

const probeOut = async (args: string) => (await values(`Set-Probe ${args}`, { commands }))[0] as Record<string, unknown>;
const probeError = (args: string, options = {}) => onlyError(`Set-Probe ${args}`, { commands, ...options });

test('named arguments, -Name:value, and positional arguments in position order', async () => {
  assert.deepEqual((await probeOut('-Name a -Count 3')).Bound, ['Count', 'Name']);
  const colon = await probeOut('-Name:img -Count:7');
  assert.equal(colon['Name'], 'img');
  assert.equal(colon['Count'], 7);
  const positional = await probeOut('img 5');
  assert.equal(positional['Name'], 'img');
  assert.equal(positional['Count'], 5);
  // Named first, then the remaining positionals fill the lowest free positions.
  const mixed = await probeOut('5 -Name img');
  assert.equal(mixed['Count'], 5);
});

test('switches: present, absent, -Switch:$false', async () => {
  assert.equal((await probeOut('a -Force'))['Force'], true);
  assert.equal((await probeOut('a'))['Force'], false);
  assert.equal((await probeOut('a -Force:$false'))['Force'], false);
});

test("ConfigMgr's [bool] habit: a boolean after a name declared so is the switch's value; elsewhere a switch takes none", async () => {
  assert.equal((await probeOut('-Name a -EnableVerify $true')).Verify, true);
  assert.equal((await probeOut('-EnableVerify $false -Name a')).Verify, false);
  assert.equal((await probeOut('-Name a -EnableVerify 0')).Verify, false);
  assert.equal((await probeOut('-Name a -EnableVerify')).Verify, true);
  assert.equal((await probeOut('-Verify -Name a')).Verify, true);
  // Text is not a boolean (as for PowerShell's [bool]); under the switch's own name a value stays positional.
  assert.equal((await probeOut('-EnableVerify true')).Name, 'true');
  assert.equal((await probeError('-Name a -Count 2 -Verify $false')).id, 'PositionalParameterNotFound');
});

test("$null, '' and @() for a mandatory parameter are refused with PowerShell's words, unless it allows them", async () => {
  const nulled = await probeError('$null');
  assert.equal(nulled.id, 'ParameterArgumentValidationErrorNullNotAllowed');
  assert.equal(nulled.message, "Cannot bind argument to parameter 'Name' because it is null.");
  assert.equal((await probeError("''")).message, "Cannot bind argument to parameter 'Name' because it is an empty string.");
  assert.equal((await probeError('-Name:$null')).id, 'ParameterArgumentValidationErrorNullNotAllowed');
  assert.equal((await onlyError("[pscustomobject]@{ Name = $null } | Set-Probe", { commands })).message, "Cannot bind argument to parameter 'Name' because it is null.");
  // Not mandatory: $null is '' for a [string], as in PowerShell.
  assert.equal((await probeOut('a -Description $null')).Description, '');
  const allow = 'function f { param([Parameter(Mandatory)][AllowNull()][AllowEmptyString()][string]$x, [Parameter(Mandatory)][AllowEmptyCollection()][string[]]$y) "[$x]" + $y.Count }';
  assert.deepEqual(await values(`${allow}; f -x '' -y @(); f -x $null -y @()`), ['[]0', '[]0']);
  const refuse = 'function g { param([Parameter(Mandatory)][string[]]$y) $y.Count }';
  assert.equal((await onlyError(`${refuse}; g -y @()`)).message, "Cannot bind argument to parameter 'y' because it is an empty array.");
  assert.equal((await onlyError(`${refuse}; g -y 'a', ''`)).message, "Cannot bind argument to parameter 'y' because it is an empty string.");
});

test('type conversion: int, number, size, enum (canonicalised), set, bool, date, string[]', async () => {
  const out = await probeOut("a -Count '12' -Ratio 0.5 -Size 4MB -Mode autocast -Speed fast -Enabled $true -At 2024-05-31 -Tags x, y");
  assert.equal(out['Count'], 12);
  assert.equal(out['Ratio'], 0.5);
  assert.equal(out['Size'], 4 * 1024 * 1024);
  assert.equal(out['Mode'], 'AutoCast');
  assert.equal(out['Speed'], 'Fast');
  assert.equal(out['Enabled'], true);
  assert.equal(new Date(out['At'] as string).getDate(), 31);
  assert.deepEqual(out['Tags'], ['x', 'y']);
  assert.equal((await probeOut("a -Size '1.5GB'"))['Size'], 1.5 * 1024 ** 3);
  assert.deepEqual((await probeOut('a -Tags one'))['Tags'], ['one']);
});

test('conversion failures name the parameter and what it takes', async () => {
  const notInt = await probeError('a -Count many');
  assert.equal(notInt.fullyQualifiedId, 'ParameterArgumentTransformation,Set-Probe');
  assert.match(notInt.message, /-Count/);
  const badEnum = await probeError('a -Mode fastest');
  assert.match(badEnum.message, /-Mode.*AutoCast, ScheduledCast/);
  assert.match((await probeError('a -Size lots')).message, /-Size.*4MB/);
  assert.match((await probeError('a -At yesterday-ish')).message, /-At.*date/);
  assert.match((await probeError('a -Enabled maybe')).message, /-Enabled/);
});

test('validation errors: set, range, pattern, not-empty — each names the parameter and the allowed values', async () => {
  const range = await probeError('a -Count 300');
  assert.equal(range.fullyQualifiedId, 'ParameterArgumentValidationError,Set-Probe');
  assert.match(range.message, /parameter 'Count'.*300.*1 to 200/);
  const set = await probeError('a -Speed warp');
  assert.match(set.message, /parameter 'Speed'.*Slow, Medium, Fast/);
  const pattern = await probeError('a -Mac nope');
  assert.match(pattern.message, /parameter 'Mac'.*pattern/);
  const empty = await probeError("a -Label ''");
  assert.match(empty.message, /parameter 'Label'.*empty/);
  assert.equal(empty.span?.startLine, 1);
});

test('aliases bind (ConfigMgr names), and unique prefixes abbreviate', async () => {
  const out = await probeOut('-ImageName x -MaximumClientCount 9');
  assert.equal(out['Name'], 'x');
  assert.equal(out['Count'], 9);
  assert.equal((await probeOut('a -Cou 4'))['Count'], 4);
});

test('an abbreviation warns in a .mcs file, not interactively', async () => {
  const interactive = await run('Set-Probe a -Cou 4', { commands });
  assert.deepEqual(interactive.warnings, []);
  const script = await run('Set-Probe a -Cou 4', { commands, scriptFile: true, file: 'deploy.mcs' });
  assert.equal(script.warnings.length, 1);
  assert.match(script.warnings[0]!, /-Cou is an abbreviation of -Count/);
});

test('ambiguous prefixes and unknown parameters fail with candidates and "did you mean"', async () => {
  const ambiguous = await probeError('a -Desc');
  assert.equal(ambiguous.id, 'AmbiguousParameter');
  assert.match(ambiguous.message, /-Descending, -Description/);
  const unknown = await probeError('a -Cont 3');
  assert.equal(unknown.id, 'NamedParameterNotFound');
  assert.match(unknown.message, /Did you mean -Count/);
});

test('missing argument, too many positionals, a parameter given twice', async () => {
  assert.equal((await probeError('a -Count')).id, 'MissingArgument');
  assert.match((await probeError('a -Count')).message, /-Count.*int/);
  assert.equal((await probeError('a 1 extra')).id, 'PositionalParameterNotFound');
  assert.equal((await probeError('a -Count 1 -Count 2')).id, 'ParameterAlreadyBound');
});

test('mandatory parameters and parameter sets', async () => {
  const missing = await onlyError('Set-Probe -Count 3', { commands });
  assert.equal(missing.fullyQualifiedId, 'MissingMandatoryParameter,Set-Probe');
  assert.match(missing.message, /-Name/);
  const byId = await probeOut('-Id 7');
  assert.equal(byId['Id'], 7);
  const conflict = await probeError('-Name a -Id 7');
  assert.equal(conflict.id, 'AmbiguousParameterSet');
  assert.match(conflict.message, /-Id cannot be used together with -Name/);
});

test('pipeline input binds by value, after named and positional arguments', async () => {
  assert.deepEqual(await values('1, 2, 3 | Add-Pipe 10', { commands }), [11, 12, 13]);
  assert.deepEqual(await values("'4' | Add-Pipe", { commands }), [4]);
  const notBound = await run("'x', 2 | Add-Pipe", { commands });
  assert.deepEqual(notBound.data, [2]);
  assert.equal(notBound.errors.length, 1);
  assert.match(notBound.errors[0]!.message, /-Number/);
});

test('pipeline input binds by property name, including aliases', async () => {
  const out = await values("[pscustomobject]@{ImageName='win11'; Count=99} | Set-Probe -Count 3 | ForEach-Object { $_.Name + $_.Count }", { commands });
  assert.deepEqual(out, ['win113']);
  const byId = await values('[pscustomobject]@{Id=5} | Set-Probe | ForEach-Object Id', { commands });
  assert.deepEqual(byId, [5]);
  const none = await run("[pscustomobject]@{Other=1} | Set-Probe", { commands });
  assert.equal(none.errors[0]?.id, 'InputObjectNotBound');
});

test('splatting a hashtable binds named parameters', async () => {
  const out = await values("$p = @{ Name = 'a'; Count = 2; Force = $true }; Set-Probe @p | ForEach-Object { $_.Count; $_.Force }", { commands });
  assert.deepEqual(out, [2, true]);
});

test('common parameters are accepted by every cmdlet', async () => {
  const r = await run('Set-Probe a -Verbose -ErrorAction Stop -OutVariable got; $got.Count', { commands });
  assert.deepEqual(r.errors, []);
  assert.equal(r.data[1], 1);
});
