// The interactive shell's screen: scrollback (<Static>: the banner, each command as typed, its
// output and errors), then the live area: views handed over by running cmdlets, a pending
// question, and the prompt while nothing runs. Ctrl+C during a run aborts the pipeline (and drops
// what was typed ahead); other keys typed during a run answer a pending question, or, unless a
// live view takes them, are kept for the next prompt, as a terminal keeps them for the next shell
// prompt. One handler routes them all, so a key that answers a question never also lands on the
// prompt after it.
import { Box, Static, Text, useInput, useStdout } from 'ink';
import { useEffect, useReducer, useRef, useState, useSyncExternalStore } from 'react';
import { CLEAR_SCREEN } from '../format/style.js';
import type { Completion } from '../runtime/completion.js';
import type { History } from './history.js';
import { PROMPT } from './greeting.js';
import { CONTINUATION, Prompt, type Keystroke } from './prompt.js';
import type { Question, Screen } from './screen.js';

/** What the app needs of the shell; the tests pass fakes. */
export interface ShellBridge {
  /** Runs a command line to its end; output goes to the screen. Returns its exit code. */
  run(source: string, signal: AbortSignal): Promise<number>;
  isIncomplete(source: string): boolean;
  complete(line: string, cursor: number): Promise<Completion>;
  /** What exiting would end (an in-process DP's sessions), and how to end it; null if nothing. */
  exitWarning?(): { warning: string; stop(): Promise<void> } | null;
}

export interface ShellAppProps {
  screen: Screen;
  shell: ShellBridge;
  history: History;
  /** The shell is done (Ctrl+D, `exit`), with this exit code. */
  onExit(code: number): void;
}

/** The command as it was typed, for the scrollback. */
const echo = (source: string) =>
  source
    .split('\n')
    .map((line, i) => (i === 0 ? PROMPT : CONTINUATION) + line)
    .join('\n');

export function ShellApp({ screen, shell, history, onExit }: ShellAppProps) {
  useSyncExternalStore(screen.subscribe, screen.snapshot);
  const [running, setRunning] = useState<AbortController | null>(null);
  const typeAhead = useRef<Keystroke[]>([]).current;
  // A new prompt for every command, also an empty one (the old prompt has taken its last key).
  const [promptNumber, nextPrompt] = useReducer((n: number) => n + 1, 0);
  // Ink writes the clear code between erasing its live area and drawing it again at the top.
  const { write } = useStdout();
  useEffect(() => {
    if (screen.clears > 0) write(CLEAR_SCREEN);
  }, [screen.clears]);

  useInput(
    (input, key) => {
      // Ctrl+C may also come inside a chunk of keys (typed fast, or sent by a script).
      if ((key.ctrl && input === 'c') || input.includes('\x03')) {
        typeAhead.length = 0;
        screen.cancelQuestion();
        running?.abort();
      } else if (screen.question) answerKey(screen, input, key, typeAhead);
      else if (!screen.live.some((view) => view.takesKeys)) typeAhead.push({ input, key });
    },
    { isActive: running !== null },
  );

  const submit = async (source: string) => {
    nextPrompt();
    screen.write(`${echo(source)}\n`);
    screen.flush();
    if (!source.trim()) return;
    void history.add(source).catch((error: unknown) => screen.write(`WARNING: history not saved: ${(error as Error).message}\n`));
    const controller = new AbortController();
    setRunning(controller);
    let code: number;
    try {
      code = await shell.run(source, controller.signal);
    } catch (error) {
      screen.write(`mcshell: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      code = 1;
    }
    screen.flush();
    if (/^\s*exit\b/i.test(source) && (await mayExit())) return onExit(code);
    setRunning(null);
  };

  /** Exiting ends an in-process DP's sessions: say so and ask; yes stops them (recorded as Stopped). */
  const mayExit = async () => {
    const running = shell.exitWarning?.();
    if (!running) return true;
    if (!(await screen.askYesNo(`${running.warning} Exit anyway?`))) return false;
    await running.stop();
    return true;
  };

  /** Ctrl+D: the question takes keys as during a run. */
  const ctrlD = async () => {
    setRunning(new AbortController());
    if (await mayExit()) return onExit(0);
    setRunning(null);
  };

  return (
    <>
      <Static items={screen.items}>{(item) => <Box key={item.id}>{'text' in item ? <Text>{item.text}</Text> : item.element}</Box>}</Static>
      {screen.live.map((view) => (
        <Box key={view.id}>{view.element}</Box>
      ))}
      {screen.question ? <QuestionLine question={screen.question} /> : null}
      {running ? null : (
        <Prompt
          key={promptNumber}
          history={history}
          isIncomplete={shell.isIncomplete}
          complete={shell.complete}
          onSubmit={(source) => void submit(source)}
          onCancel={(abandoned) => {
            screen.write(`${echo(abandoned)}^C\n`);
            screen.flush();
          }}
          onExit={() => void ctrlD()}
          onClearScreen={() => screen.clear()}
          typeAhead={typeAhead}
        />
      )}
    </>
  );
}

/** A key while a question is pending: edits or submits the answer; what follows an Enter is typed ahead. */
function answerKey(screen: Screen, input: string, key: Keystroke['key'], typeAhead: Keystroke[]): void {
  const question = screen.question!;
  if (key.return) return screen.submitAnswer();
  if (key.backspace || key.delete) return screen.editAnswer(question.typed.slice(0, -1));
  if (!input || key.ctrl || key.meta) return;
  // A chunk (fast typing, a paste) may hold the Enter and keys meant for after the question.
  const [first, ...rest] = input.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').split(/\r\n?|\n/);
  screen.editAnswer(question.typed + first);
  if (rest.length === 0) return;
  screen.submitAnswer();
  const after = rest.join('\r');
  if (!after) return;
  if (screen.question) answerKey(screen, after, key, typeAhead);
  else typeAhead.push({ input: after, key });
}

function QuestionLine({ question }: { question: Question }) {
  return (
    <Text>
      {question.prompt}
      {question.typed}
      <Text inverse> </Text>
    </Text>
  );
}
