// The interactive shell's screen: scrollback (<Static>: the banner, each command as typed, its
// output and errors), then the live area: views handed over by running cmdlets, a pending
// question, and the prompt while nothing runs. Ctrl+C during a run aborts the pipeline (and drops
// what was typed ahead); other keys typed during a run, unless a live view or a question takes
// them, are kept for the next prompt, as a terminal keeps them for the next shell prompt.
import { Box, Static, Text, useInput } from 'ink';
import { useRef, useState, useSyncExternalStore } from 'react';
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

  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') {
        typeAhead.length = 0;
        running?.abort();
      } else if (screen.live.length === 0 && !screen.question) typeAhead.push({ input, key });
    },
    { isActive: running !== null },
  );

  const submit = async (source: string) => {
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
    setRunning(null);
    if (/^\s*exit\b/i.test(source)) onExit(code);
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
          history={history}
          isIncomplete={shell.isIncomplete}
          complete={shell.complete}
          onSubmit={(source) => void submit(source)}
          onCancel={(abandoned) => {
            screen.write(`${echo(abandoned)}^C\n`);
            screen.flush();
          }}
          onExit={() => onExit(0)}
          typeAhead={typeAhead}
        />
      )}
    </>
  );
}

function QuestionLine({ question }: { question: Question }) {
  useInput((input, key) => {
    if (/^y$/i.test(input)) question.answer(true);
    // Ctrl+C also stops the pipeline (the app's handler): the answer is no.
    else if (/^n$/i.test(input) || key.return || key.escape || (key.ctrl && input === 'c')) question.answer(false);
  });
  return (
    <Text>
      {question.text} <Text bold>[y/N]</Text>
    </Text>
  );
}
