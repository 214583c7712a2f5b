// PowerShell's ShouldProcess question (-Confirm, or a high-impact cmdlet under the default
// $ConfirmPreference): its wording, its choices and how a typed answer maps to them. Every host
// that can ask (the Ink shell, the plain line prompt) shows the same text and reads answers here.

/** What the person chose; `Cancel` is Ctrl+C at the question (the pipeline stops). */
export type ConfirmAnswer = 'Yes' | 'YesToAll' | 'No' | 'NoToAll' | 'Cancel';

export interface ConfirmQuestion {
  caption: string;
  /** "Are you sure…" and the operation, one line each. */
  message: string;
}

export const confirmQuestion = (action: string, target: string): ConfirmQuestion => ({
  caption: 'Confirm',
  message: `Are you sure you want to perform this action?\nPerforming the operation "${action}" on target "${target}".`,
});

const CHOICES = [
  { letter: 'Y', label: 'Yes', answer: 'Yes', help: 'Continue with only the next step of the operation.' },
  { letter: 'A', label: 'Yes to All', answer: 'YesToAll', help: 'Continue with all the steps of the operation.' },
  { letter: 'N', label: 'No', answer: 'No', help: 'Skip this operation and proceed with the next operation.' },
  { letter: 'L', label: 'No to All', answer: 'NoToAll', help: 'Skip this operation and all subsequent operations.' },
  // PowerShell's S opens a nested prompt inside the paused pipeline; mcshell has none.
  { letter: 'S', label: 'Suspend', answer: null, help: 'Not available in mcshell (it has no nested prompt): answer Y, A, N or L.' },
] as const;

/** The choices line, as PowerShell prints it (the answer is typed after it). */
export const CHOICES_LINE = `${CHOICES.map((c) => `[${c.letter}] ${c.label}`).join('  ')}  [?] Help (default is "Y"): `;

/** `?`'s text: one line per choice. */
export const CHOICES_HELP = CHOICES.map((c) => `${c.letter} - ${c.help}`).join('\n');

/**
 * The answer a typed line gives (Enter alone: the default, Yes), or the text to show before asking
 * again: the help for `?`, the note for S, nothing for an answer that names no choice.
 */
export function readAnswer(typed: string): { answer: ConfirmAnswer } | { again: string } {
  const text = typed.trim().toLowerCase();
  if (text === '') return { answer: 'Yes' };
  if (text === '?') return { again: CHOICES_HELP };
  const choice = CHOICES.find((c) => c.letter.toLowerCase() === text || c.label.toLowerCase() === text);
  if (!choice) return { again: '' };
  return choice.answer ? { answer: choice.answer } : { again: `S - ${choice.help}` };
}
