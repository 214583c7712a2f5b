// The input line of the interactive shell: Emacs-style editing, history (↑/↓, Ctrl+R search), Ctrl+L,
// multi-line input (an incomplete command continues on a `>>` line) and Tab completion with a
// candidate list (Tab again cycles through it). Keys typed while the previous command ran
// (type-ahead) are replayed when the prompt appears; keys after a submitted command wait there.
import { Box, Text, useInput, useStdout, type Key } from 'ink';
import { useEffect, useReducer, useRef } from 'react';
import type { Completion } from '../runtime/completion.js';
import { commonPrefix, completedWord } from '../runtime/completion.js';
import { PROMPT } from './greeting.js';
import type { History } from './history.js';
import * as edit from './line-editor.js';

export const CONTINUATION = '>> ';

/** A key as Ink reports it. */
export interface Keystroke {
  input: string;
  key: Key;
}

export interface PromptProps {
  history: History;
  isIncomplete(source: string): boolean;
  complete(line: string, cursor: number): Promise<Completion>;
  /** A complete command (continuation lines joined with newlines). */
  onSubmit(source: string): void;
  /** Ctrl+C on the prompt: the abandoned input, for the scrollback. */
  onCancel(abandoned: string): void;
  /** Ctrl+D on an empty line. */
  onExit(): void;
  /** Ctrl+L: clear the screen (the line being typed stays). */
  onClearScreen(): void;
  /**
   * Keys typed before this prompt appeared, oldest first: replayed when it appears. Replay stops
   * at a submitted command; the keys after it stay here for the prompt after that command.
   */
  typeAhead?: Keystroke[];
}

interface CompletionMenu extends Completion {
  /** The candidate now in the line, or -1 while only the common prefix is. */
  selected: number;
}

/** Candidates shown at most, so the list never pushes the prompt off a small terminal. */
const MENU_ROWS = 8;

interface PromptState {
  line: edit.LineState;
  /** Lines of an incomplete command entered so far. */
  continued: string[];
  menu: CompletionMenu | null;
  search: { query: string; match: number } | null;
  /** Position in the history while browsing it (entries.length: the line being written), and that line. */
  browse: { index: number; draft: string };
}

export function Prompt({ history, isIncomplete, complete, onSubmit, onCancel, onExit, onClearScreen, typeAhead = [] }: PromptProps) {
  const { stdout } = useStdout();
  // Keys can arrive faster than React renders (a paste, tmux send-keys): every key works on the
  // latest state, kept in a ref; a counter re-renders.
  const ref = useRef<PromptState>({ line: edit.emptyLine, continued: [], menu: null, search: null, browse: { index: history.entries.length, draft: '' } });
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const set = (patch: Partial<PromptState>) => {
    Object.assign(ref.current, patch);
    rerender();
  };
  const update = (line: edit.LineState) => set({ line });
  const cleared = () => ({ ...edit.emptyLine, killed: ref.current.line.killed });

  const reset = () => set({ line: cleared(), continued: [], menu: null, search: null, browse: { index: history.entries.length, draft: '' } });

  /** This prompt's command has gone (submitted, or the shell exits): later keys are for the next prompt. */
  const done = useRef(false);

  const enter = (text: string) => {
    const continued = [...ref.current.continued, text];
    if (isIncomplete(continued.join('\n'))) return set({ continued, line: cleared() });
    reset();
    done.current = true;
    onSubmit(continued.join('\n'));
  };

  const showHistory = (index: number) => {
    const { browse, line } = ref.current;
    const draft = browse.index === history.entries.length ? line.text : browse.draft;
    set({ browse: { index, draft }, line: edit.lineOf(index === history.entries.length ? draft : history.entries[index]!, line.killed) });
  };

  const tab = async () => {
    const { line, menu } = ref.current;
    if (menu && menu.candidates.length > 1) {
      const selected = (menu.selected + 1) % menu.candidates.length;
      set({ line: edit.replaceRange(line, menu.start, line.cursor, menu.candidates[selected]!), menu: { ...menu, selected } });
      return;
    }
    const found = await complete(line.text, line.cursor);
    if (ref.current.line !== line || found.candidates.length === 0) return; // typed on meanwhile
    if (found.candidates.length === 1) return update(edit.replaceRange(line, found.start, found.end, completedWord(found.candidates[0]!)));
    const prefix = commonPrefix(found.candidates);
    set({
      line: prefix.length > found.end - found.start ? edit.replaceRange(line, found.start, found.end, prefix) : line,
      menu: { ...found, selected: -1 },
    });
  };

  const typeText = (text: string) =>
    text.split('\t').forEach((part, i) => {
      if (i > 0) void tab();
      if (part) update(edit.insert(ref.current.line, part));
    });

  const searchKey = (input: string, key: Key, search: { query: string; match: number }) => {
    const found = search.match >= 0 ? history.entries[search.match]! : '';
    const searchFor = (query: string) => set({ search: { query, match: history.search(query, history.entries.length) } });
    if (key.ctrl && input === 'r') {
      const match = history.search(search.query, search.match < 0 ? history.entries.length : search.match);
      if (match >= 0) set({ search: { ...search, match } });
    } else if ((key.ctrl && input === 'g') || key.escape) set({ search: null });
    else if (key.return) {
      set({ search: null });
      enter(found);
    } else if (key.backspace || key.delete) searchFor(search.query.slice(0, -1));
    else if (input && !key.ctrl && !key.meta) searchFor(search.query + input);
    // Any other key takes the match into the line for editing.
    else set({ search: null, line: edit.lineOf(found, ref.current.line.killed) });
  };

  const handleKey = (input: string, key: Key) => {
    if (done.current) return void typeAhead.push({ input, key });
    const { line: s, continued, search, browse } = ref.current;
    if (key.ctrl && input === 'c') {
      onCancel([...continued, s.text].join('\n'));
      return reset();
    }
    if (search) return searchKey(input, key, search);
    if (!key.tab && ref.current.menu) set({ menu: null });
    if (key.tab) void tab();
    else if (key.return) enter(s.text);
    else if (key.ctrl && input === 'd') {
      if (s.text === '' && continued.length === 0) {
        done.current = true;
        onExit();
      } else update(edit.deleteForward(s));
    } else if (key.ctrl && input === 'l') onClearScreen();
    else if (key.ctrl && input === 'r') set({ search: { query: '', match: -1 } });
    else if (key.upArrow || (key.ctrl && input === 'p')) {
      if (browse.index > 0) showHistory(browse.index - 1);
    } else if (key.downArrow || (key.ctrl && input === 'n')) {
      if (browse.index < history.entries.length) showHistory(browse.index + 1);
    } else if ((key.leftArrow && (key.ctrl || key.meta)) || (key.meta && input === 'b')) update(edit.moveTo(s, edit.wordStartBefore(s.text, s.cursor)));
    else if ((key.rightArrow && (key.ctrl || key.meta)) || (key.meta && input === 'f')) update(edit.moveTo(s, edit.wordEndAfter(s.text, s.cursor)));
    else if (key.leftArrow || (key.ctrl && input === 'b')) update(edit.moveTo(s, s.cursor - 1));
    else if (key.rightArrow || (key.ctrl && input === 'f')) update(edit.moveTo(s, s.cursor + 1));
    else if (key.home || (key.ctrl && input === 'a')) update(edit.moveTo(s, 0));
    else if (key.end || (key.ctrl && input === 'e')) update(edit.moveTo(s, s.text.length));
    else if (key.ctrl && input === 'k') update(edit.killToEnd(s));
    else if (key.ctrl && input === 'u') update(edit.killToStart(s));
    else if ((key.ctrl && input === 'w') || (key.meta && (key.backspace || key.delete))) update(edit.killWordBefore(s));
    else if (key.meta && input === 'd') update(edit.killWordAfter(s));
    else if (key.ctrl && input === 'y') update(edit.yank(s));
    // Terminals send DEL (0x7f) for Backspace, which Ink reports as `delete`.
    else if (key.backspace || key.delete) update(edit.backspace(s));
    else if (input && !key.ctrl && !key.meta) {
      // Pasted or fast-typed text (keys typed while the shell starts come as one chunk) may hold
      // line breaks and tabs: each one is an Enter or a Tab.
      const [first, ...rest] = input.replace(/[\x00-\x08\x0b\x0c\x0e-\x1f]/g, '').split(/\r\n?|\n/);
      typeText(first!);
      for (const [i, text] of rest.entries()) {
        enter(ref.current.line.text);
        if (done.current) {
          // A command went: the rest is typed ahead of the next prompt.
          const remaining = rest.slice(i).join('\r');
          if (remaining) typeAhead.unshift({ input: remaining, key });
          return;
        }
        typeText(text);
      }
    }
  };

  useInput(handleKey);
  // Keys typed while the previous command ran, as if typed now.
  useEffect(() => {
    while (typeAhead.length > 0 && !done.current) {
      const { input, key } = typeAhead.shift()!;
      handleKey(input, key);
    }
  }, []); // once, when the prompt appears

  const { line, continued, menu, search } = ref.current;
  const columns = stdout.columns || 80;
  return (
    <Box flexDirection="column">
      {continued.map((text, i) => (
        <Text key={i}>
          {i === 0 ? PROMPT : CONTINUATION}
          {text}
        </Text>
      ))}
      {search ? (
        <Text>
          <Text dimColor>(reverse-i-search)`{search.query}': </Text>
          {search.match >= 0 ? history.entries[search.match] : ''}
        </Text>
      ) : (
        <Text>
          {continued.length === 0 ? PROMPT : CONTINUATION}
          {line.text.slice(0, line.cursor)}
          <Text inverse>{line.text[line.cursor] ?? ' '}</Text>
          {line.text.slice(line.cursor + 1)}
        </Text>
      )}
      {menu && menu.candidates.length > 1 ? <CandidateList candidates={menu.candidates} selected={menu.selected} columns={columns} /> : null}
    </Box>
  );
}

/** Candidates in columns, the selected one highlighted; beyond MENU_ROWS rows a count of the rest. */
export function CandidateList({ candidates, selected, columns }: { candidates: readonly string[]; selected: number; columns: number }) {
  const width = Math.min(columns, Math.max(...candidates.map((c) => c.length)) + 2);
  const perRow = Math.max(1, Math.floor(columns / width));
  const rows: string[][] = [];
  for (let i = 0; i < candidates.length && rows.length < MENU_ROWS; i += perRow) rows.push(candidates.slice(i, i + perRow) as string[]);
  const shown = rows.length * perRow;
  return (
    <Box flexDirection="column">
      {rows.map((row, r) => (
        <Text key={r}>
          {row.map((candidate, c) => (
            <Text key={c} inverse={r * perRow + c === selected}>
              {candidate.padEnd(width)}
            </Text>
          ))}
        </Text>
      ))}
      {candidates.length > shown ? <Text dimColor>… {candidates.length - shown} more</Text> : null}
    </Box>
  );
}
