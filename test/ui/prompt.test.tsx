// The interactive prompt with ink-testing-library: typing and editing keys, history (browse,
// Ctrl+R, persistence), multi-line input, Tab completion (lists and cycling), output in the
// scrollback, Ctrl+C during a running pipeline, Ctrl+D and `exit`.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { isIncomplete } from '../../src/language/index.js';
import { complete, type Completion } from '../../src/runtime/completion.js';
import { Session } from '../../src/runtime/session.js';
import { commands } from '../../cmdlets/index.js';
import { ShellApp, type ShellBridge } from '../../src/ui/app.js';
import { History } from '../../src/ui/history.js';
import { Screen } from '../../src/ui/screen.js';
import { recordingHost } from '../runtime/harness.js';

const KEY = {
  enter: '\r',
  tab: '\t',
  left: '\x1b[D',
  up: '\x1b[A',
  down: '\x1b[B',
  ctrlA: '\x01',
  ctrlC: '\x03',
  ctrlD: '\x04',
  ctrlE: '\x05',
  ctrlK: '\x0b',
  ctrlR: '\x12',
  ctrlW: '\x17',
  ctrlY: '\x19',
  altB: '\x1bb',
  backspace: '\x7f',
};

const tick = (ms = 25) => new Promise((resolve) => setTimeout(resolve, ms));

/** Renders the app with a fake shell; `type` sends keys one input event at a time. */
function setup(options: { history?: History; run?: (screen: Screen) => ShellBridge['run']; complete?: ShellBridge['complete'] } = {}) {
  const screen = new Screen();
  const ran: string[] = [];
  const exits: number[] = [];
  const shell: ShellBridge = {
    run: options.run?.(screen) ?? (async (source) => (ran.push(source), 0)),
    isIncomplete,
    complete: options.complete ?? (async () => ({ start: 0, end: 0, candidates: [] })),
  };
  const app = render(<ShellApp screen={screen} shell={shell} history={options.history ?? History.inMemory()} onExit={(code) => exits.push(code)} />);
  const type = async (...keys: string[]) => {
    for (const key of keys) {
      app.stdin.write(key);
      await tick();
    }
  };
  /** The live prompt line (the last line starting with the prompt; Ink trims trailing blanks). */
  const promptLine = () => app.lastFrame()!.split('\n').filter((l) => l.startsWith('mcs>') || l.startsWith('>>')).at(-1);
  return { app, screen, ran, exits, type, promptLine };
}

test('typing and editing: cursor moves, word jumps, kill and yank', async (t) => {
  const { app, type, promptLine } = setup();
  t.after(() => app.unmount());
  await tick();
  await type('Get-Item', ' ', 'alpha', ' ', 'beta');
  assert.equal(promptLine(), 'mcs> Get-Item alpha beta');
  await type(KEY.ctrlW);
  assert.equal(promptLine(), 'mcs> Get-Item alpha');
  await type(KEY.ctrlY, KEY.altB, KEY.altB, 'X');
  assert.equal(promptLine(), 'mcs> Get-Item Xalpha beta');
  await type(KEY.ctrlA, '1', KEY.ctrlE, KEY.left, KEY.left, KEY.ctrlK);
  assert.equal(promptLine(), 'mcs> 1Get-Item Xalpha be');
  await type(KEY.backspace, KEY.backspace, KEY.backspace);
  assert.equal(promptLine(), 'mcs> 1Get-Item Xalpha');
});

test('Enter runs the command: it is echoed into the scrollback with its output', async (t) => {
  const { app, type } = setup({ run: (screen) => async (source) => (screen.write(`output of ${source}\n`), 0) });
  t.after(() => app.unmount());
  await tick();
  await type('Get-Date', KEY.enter);
  await tick(80);
  assert.match(app.lastFrame()!, /mcs> Get-Date\noutput of Get-Date\nmcs>$/);
});

test('history: arrows browse it, Ctrl+R searches it, the file keeps it', async (t) => {
  const file = join(mkdtempSync(join(tmpdir(), 'mcshell-history-')), 'history');
  const saved = await History.load(file);
  await saved.add('Get-OSImage');
  await saved.add('Get-Command -Verb Get');
  await saved.add('Get-Command -Verb Get'); // a repeat is not kept twice
  await saved.add("'two\nlines'");
  assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 3);
  const history = await History.load(file);
  assert.deepEqual(history.entries, ['Get-OSImage', 'Get-Command -Verb Get', "'two\nlines'"]);

  const { app, ran, type, promptLine } = setup({ history });
  t.after(() => app.unmount());
  await tick();
  await type('draft', KEY.up);
  assert.match(app.lastFrame()!, /mcs> 'two\nlines'/);
  await type(KEY.up);
  assert.equal(promptLine(), 'mcs> Get-Command -Verb Get');
  await type(KEY.down, KEY.down);
  assert.equal(promptLine(), 'mcs> draft');
  await type(KEY.ctrlA, KEY.ctrlK, KEY.ctrlR, 'osi');
  assert.match(app.lastFrame()!, /\(reverse-i-search\)`osi': Get-OSImage/);
  await type(KEY.enter);
  await tick();
  assert.deepEqual(ran, ['Get-OSImage']);
  assert.equal(history.entries.at(-1), 'Get-OSImage');
});

test('multi-line input: an open brace continues on a >> line, the whole command runs', async (t) => {
  const { app, ran, type } = setup();
  t.after(() => app.unmount());
  await tick();
  await type('if ($true) {', KEY.enter);
  assert.match(app.lastFrame()!, /mcs> if \(\$true\) \{\n>>$/);
  assert.deepEqual(ran, []);
  await type("  'yes'", KEY.enter, '}', KEY.enter);
  await tick();
  assert.deepEqual(ran, ["if ($true) {\n  'yes'\n}"]);
  assert.match(app.lastFrame()!, /mcs> if \(\$true\) \{\n>>   'yes'\n>> \}/);
});

test('Tab completion: one candidate is taken, several are listed and Tab cycles through them', async (t) => {
  const candidates: Record<string, string[]> = { 'Get-C': ['Get-Command', 'Get-Content'], 'Get-Da': ['Get-Date'] };
  const fake = async (line: string, cursor: number): Promise<Completion> => ({ start: 0, end: cursor, candidates: candidates[line.slice(0, cursor)] ?? [] });
  const { app, type, promptLine } = setup({ complete: fake });
  t.after(() => app.unmount());
  await tick();
  await type('Get-Da', KEY.tab);
  assert.equal(promptLine(), 'mcs> Get-Date');
  await type(KEY.ctrlA, KEY.ctrlK, 'Get-C', KEY.tab);
  assert.equal(promptLine(), 'mcs> Get-Co');
  assert.match(app.lastFrame()!, /Get-Command\s+Get-Content/);
  await type(KEY.tab);
  assert.equal(promptLine(), 'mcs> Get-Command');
  await type(KEY.tab);
  assert.equal(promptLine(), 'mcs> Get-Content');
  await type('x');
  assert.doesNotMatch(app.lastFrame()!, /Get-Command\s+Get-Content/, 'typing closes the list');
});

test('keys typed while the shell starts arrive as one chunk: its Tab completes', async (t) => {
  const fake = async (line: string, cursor: number): Promise<Completion> => ({ start: 0, end: cursor, candidates: line.slice(0, cursor) === 'Get-Da' ? ['Get-Date'] : [] });
  const { app, type, promptLine } = setup({ complete: fake });
  t.after(() => app.unmount());
  await tick();
  await type('Get-Da\t');
  assert.equal(promptLine(), 'mcs> Get-Date');
});

test('completion candidates come from the declarations: commands, parameters, enum values, value completers, variables', async () => {
  const session = new Session({ host: recordingHost({ errors: [], warnings: [], verbose: [], hostText: [] }), commands });
  const at = (line: string) => complete(session, line, line.length);
  assert.deepEqual((await at('Get-Comm')).candidates, ['Get-Command']);
  assert.deepEqual(await at('gcm | Sort-Object; Get-Comm'), { start: 19, end: 27, candidates: ['Get-Command'] });
  assert.ok((await at('Get-Command -')).candidates.includes('-Verb'));
  assert.deepEqual((await at('Set-Variable -Scope ')).candidates, ['Global', 'Local', 'Script']);
  assert.deepEqual((await at('Set-Variable x 1 -Sc g')).candidates, ['Global']);
  assert.ok((await at('$HO')).candidates.includes('$HOME'));
  const withCompleter = new Session({
    host: recordingHost({ errors: [], warnings: [], verbose: [], hostText: [] }),
    commands: [
      {
        name: 'Get-Thing',
        aliases: [],
        load: async () => ({
          default: {
            name: 'Get-Thing',
            synopsis: '',
            examples: [],
            parameters: {
              Kind: { type: 'string', description: '' },
              Name: { type: 'string', position: 0, description: '', complete: ({ prefix, boundParameters }) => [`${boundParameters['Kind']}-one`, `${boundParameters['Kind']}-two`, 'with space'].filter((v) => v.startsWith(prefix)) },
            },
          },
        }),
      },
    ],
  });
  assert.deepEqual((await complete(withCompleter, 'Get-Thing -Kind lab ', 20)).candidates, ["'with space'", 'lab-one', 'lab-two']);
  assert.deepEqual((await complete(withCompleter, 'Get-Thing -Kind lab lab-t', 25)).candidates, ['lab-two']);
});

test('Ctrl+C during a running pipeline aborts it and returns to the prompt; Ctrl+C on the prompt drops the line', async (t) => {
  let aborted = false;
  const { app, type, screen } = setup({
    run: () => (_source, signal) =>
      new Promise((resolve) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          resolve(1);
        });
      }),
  });
  t.after(() => app.unmount());
  await tick();
  await type('Start-Sleep 100', KEY.enter);
  await tick();
  assert.doesNotMatch(app.lastFrame()!.split('\n').at(-1)!, /^mcs>/, 'no prompt while running');
  await type(KEY.ctrlC);
  await tick(60);
  assert.ok(aborted);
  assert.match(app.lastFrame()!.split('\n').at(-1)!, /^mcs>/);
  await type('half typed', KEY.ctrlC);
  screen.flush();
  await tick();
  assert.match(app.lastFrame()!, /mcs> half typed\^C\nmcs>$/);
});

test('Ctrl+D on an empty line exits with 0; `exit 3` exits with 3', async (t) => {
  const first = setup();
  t.after(() => first.app.unmount());
  await tick();
  await first.type('x', KEY.ctrlD);
  assert.deepEqual(first.exits, [], 'not on a non-empty line');
  await first.type(KEY.backspace, KEY.ctrlD);
  assert.deepEqual(first.exits, [0]);

  const second = setup({ run: () => async () => 3 });
  t.after(() => second.app.unmount());
  await tick();
  await second.type('exit 3', KEY.enter);
  await tick();
  assert.deepEqual(second.exits, [3]);
});

test("a cmdlet's question is answered in the live area: a letter and Enter, Enter alone, ?; nothing reaches the next prompt", async (t) => {
  const answers: string[] = [];
  const { app, type, screen, promptLine } = setup({
    run: (screen) => async () => {
      answers.push(await screen.confirm({ caption: 'Confirm', message: 'Remove win11?' }));
      return 0;
    },
  });
  t.after(() => app.unmount());
  await tick();
  await type('Remove-OSImage win11 -Confirm', KEY.enter);
  assert.match(app.lastFrame()!, /Confirm\nRemove win11\?\n\[Y\] Yes  \[A\] Yes to All  \[N\] No  \[L\] No to All  \[S\] Suspend  \[\?\] Help \(default is "Y"\):/);
  await type('?', KEY.enter);
  assert.match(app.lastFrame()!, /\(default is "Y"\): \?\nY - Continue with only the next step of the operation\.\nA - [\s\S]*L - [\s\S]*S - /);
  assert.ok(screen.question, 'asked again after the help');
  await type('n', KEY.backspace, 'a', KEY.enter);
  assert.deepEqual(answers, ['YesToAll']);
  assert.equal(promptLine(), 'mcs>', 'the answer does not land on the next prompt');
  await type('again', KEY.enter, KEY.enter);
  assert.deepEqual(answers, ['YesToAll', 'Yes'], 'Enter alone is the default');
  await type('again', KEY.enter, 'y\r');
  assert.deepEqual(answers, ['YesToAll', 'Yes', 'Yes'], 'a letter and Enter in one chunk');
  await type('x');
  assert.equal(promptLine(), 'mcs> x', 'the prompt still takes keys');
});

test('Ctrl+C at a question cancels it and stops the pipeline; an empty line leaves a working prompt', async (t) => {
  const answers: string[] = [];
  const { app, type, promptLine } = setup({
    run: (screen) => async () => (answers.push(await screen.confirm({ caption: 'Confirm', message: 'Remove win11?' })), 0),
  });
  t.after(() => app.unmount());
  await tick();
  await type('Remove-OSImage win11', KEY.enter, 'y', KEY.ctrlC);
  assert.deepEqual(answers, ['Cancel']);
  assert.match(app.lastFrame()!, /\(default is "Y"\): y\^C/);
  await type(KEY.enter, 'Get-Date');
  assert.equal(promptLine(), 'mcs> Get-Date');
});

test('pasted lines run one after the other; a pasted incomplete command continues', async (t) => {
  const { app, ran, type } = setup();
  t.after(() => app.unmount());
  await tick();
  await type('if ($x) {\r  1\r}\r');
  await tick();
  assert.deepEqual(ran, ['if ($x) {\n  1\n}']);
});

test('type-ahead: keys typed while a command runs wait for the next prompt, Ctrl+C drops them, pasted commands run one at a time', async (t) => {
  const ran: string[] = [];
  const finish: (() => void)[] = [];
  const { app, type, promptLine } = setup({
    run: () => (source, signal) =>
      new Promise((resolve) => {
        ran.push(source);
        const done = () => resolve(0);
        finish.push(done);
        signal.addEventListener('abort', () => (finish.splice(finish.indexOf(done), 1), resolve(1)), { once: true });
      }),
  });
  t.after(() => app.unmount());
  await tick();
  await type('first', KEY.enter, 'sec', 'ond', KEY.enter, 'thi');
  assert.deepEqual(ran, ['first'], 'one command at a time');
  assert.doesNotMatch(app.lastFrame()!, /second/, 'no prompt while it runs');
  finish.shift()!();
  await tick();
  assert.deepEqual(ran, ['first', 'second'], 'the next prompt runs what was typed ahead');
  finish.shift()!();
  await tick(100);
  assert.match(promptLine()!, /^mcs> thi/, 'and keeps the rest on its line');
  await type('rd', KEY.enter, 'dropped', KEY.ctrlC);
  assert.deepEqual(ran, ['first', 'second', 'third']);
  await tick(100);
  assert.equal(promptLine(), 'mcs>', 'Ctrl+C stopped the command and dropped what was typed ahead');

  await type('a\rb\r');
  assert.deepEqual(ran.slice(3), ['a'], 'a paste of two commands runs the first…');
  finish.shift()!();
  await tick(100);
  assert.deepEqual(ran.slice(3), ['a', 'b'], '…then the second');
  finish.shift()!();
});
