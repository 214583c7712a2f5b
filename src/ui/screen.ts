// What the interactive shell shows, as a small store the Ink app subscribes to: finished output
// (scrollback, rendered once through <Static>), live views handed over by cmdlets, and a pending
// question (a cmdlet's confirmation, or whether to exit). The shell's host writes here instead of
// to the process streams, so output and the prompt never overwrite each other.
import type { ReactNode } from 'react';
import { printable } from '../format/printable.js';
import { CHOICES_LINE, readAnswer, type ConfirmAnswer, type ConfirmQuestion } from '../runtime/confirm.js';
import type { LiveView } from '../runtime/live.js';

export type ScrollItem = { id: number; text: string } | { id: number; element: ReactNode };

export interface Question {
  /** The line the answer is typed after. */
  prompt: string;
  /** The answer typed so far. */
  typed: string;
  /** What Enter makes of the typed answer: an answer, or text to show before asking again. */
  submit(typed: string): { again: string } | null;
  /** Ctrl+C. */
  cancel(): void;
}

/** Output is gathered for this long, so a fast producer costs one render per batch. */
const FLUSH_MS = 30;

export class Screen {
  items: ScrollItem[] = [];
  live: { id: number; element: ReactNode; takesKeys: boolean }[] = [];
  question: Question | null = null;
  /** Clear-Host and Ctrl+L requests so far: the app clears the terminal when this grows. */
  clears = 0;
  private pending = '';
  private timer: NodeJS.Timeout | null = null;
  private nextId = 0;
  private version = 0;
  private readonly listeners = new Set<() => void>();

  // Arrow properties: React's useSyncExternalStore calls these unbound.
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  /** Text for the scrollback; complete lines are shown at the next flush. */
  write(chunk: string): void {
    this.pending += chunk;
    this.timer ??= setTimeout(() => this.flush(false), FLUSH_MS);
  }

  /** Moves buffered output to the scrollback; a partial last line only when `all`. */
  flush(all = true): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const end = all ? this.pending.length : this.pending.lastIndexOf('\n') + 1;
    if (end === 0) return;
    const text = this.pending.slice(0, end);
    this.pending = this.pending.slice(end);
    this.items = [...this.items, { id: this.nextId++, text: text.endsWith('\n') ? text.slice(0, -1) : text }];
    if (this.pending) this.timer = setTimeout(() => this.flush(false), FLUSH_MS);
    this.changed();
  }

  /** Clears the terminal once the output so far is shown (Clear-Host, Ctrl+L). */
  clear(): void {
    this.flush();
    this.clears++;
    this.changed();
  }

  /** Adds a finished element (e.g. a dashboard's last frame) to the scrollback. */
  append(element: ReactNode): void {
    this.flush();
    this.items = [...this.items, { id: this.nextId++, element }];
    this.changed();
  }

  /** Shows a live view; one that `takesKeys` (a dashboard) gets the keys typed meanwhile. */
  showLiveView(element: ReactNode, takesKeys = true): LiveView {
    const entry = { id: this.nextId++, element, takesKeys };
    this.flush();
    this.live = [...this.live, entry];
    this.changed();
    return {
      close: (finalFrame?: unknown) => {
        if (!this.live.includes(entry)) return;
        this.live = this.live.filter((e) => e !== entry);
        if (finalFrame) this.append(finalFrame as ReactNode);
        else this.changed();
      },
    };
  }

  /**
   * Asks PowerShell's confirmation question (a cmdlet's -Confirm): its caption and message go to
   * the scrollback, the choices line with the answer being typed stays in the live area.
   */
  confirm(question: ConfirmQuestion): Promise<ConfirmAnswer> {
    // The target is a name someone chose (a device's, say): its control characters are shown, not obeyed.
    this.write(`${question.caption}\n${printable(question.message, true)}\n`);
    return this.ask(CHOICES_LINE, readAnswer, 'Cancel');
  }

  /** A yes/no question, no the default (Ctrl+C too). */
  askYesNo(text: string): Promise<boolean> {
    return this.ask(`${text} [y/N] `, (typed) => ({ answer: /^y(es)?$/i.test(typed.trim()) }), false);
  }

  private ask<T>(prompt: string, read: (typed: string) => { answer: T } | { again: string }, cancelled: T): Promise<T> {
    this.flush();
    return new Promise((resolve) => {
      const answered = (answer: T) => {
        this.question = null;
        this.changed();
        resolve(answer);
      };
      this.question = {
        prompt,
        typed: '',
        submit: (typed) => {
          const reply = read(typed);
          if ('again' in reply) return reply;
          answered(reply.answer);
          return null;
        },
        cancel: () => answered(cancelled),
      };
      this.changed();
    });
  }

  editAnswer(typed: string): void {
    if (!this.question) return;
    this.question.typed = typed;
    this.changed();
  }

  /** Enter at the question: answers it, or (for `?`, S or an unknown letter) shows why and asks again. */
  submitAnswer(): void {
    const question = this.question;
    if (!question) return;
    // The question and its answer stay in the scrollback, as on a terminal.
    this.write(`${question.prompt}${question.typed}\n`);
    const again = question.submit(question.typed);
    if (again?.again) this.write(`${again.again}\n`);
    this.flush();
    if (again) this.editAnswer('');
  }

  /** Ctrl+C at the question. */
  cancelQuestion(): void {
    const question = this.question;
    if (!question) return;
    this.write(`${question.prompt}${question.typed}^C\n`);
    this.flush();
    question.cancel();
  }
}
